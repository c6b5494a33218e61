/**
 * manifest.json of a simulated dataset: what was simulated, where the data and the ground
 * truth are, and the conventions needed to compare a reconstruction with the truth. The
 * schema is documented field by field in src/sim/README.md (format 'ptyxanes-sim', v1).
 */
import type { ExperimentPlan } from './experiment.ts';
import { edgeModel, EDGE_REFERENCES, MODEL_RANGE_EV } from './edge.ts';
import { geometricSpotDiameterM, zonePlateFocalLengthM } from './probe.ts';
import type { Grid3d } from './render.ts';
import { NMC811, SCATTERING_TABLE_SOURCE } from './scattering.ts';
import { truthEnergyIndex } from './truth.ts';

export interface CxiEntryRecord {
  file: string;
  entry: string;
  energyEv: number;
  angleDeg?: number;
  nFrames: number;
}

export interface SimManifest {
  format: 'ptyxanes-sim';
  version: 1;
  preset: string;
  description: string;
  kind: '2d' | '3d';
  scenario: string;
  seed: number;
  energiesEv: number[];
  anglesDeg: number[] | null;
  detector: { distanceM: number; pixelM: number; crop: number; saturationCounts: number; deadPixelFraction: number; beamCentrePx: [number, number]; validPixels: number };
  beam: { fluxPhotonsPerS: number; exposureS: number; photonsPerFrame: number };
  zonePlate: { diameterM: number; outerZoneM: number; centralStopDiameterM: number; fixedPosition: boolean; focalLengthM: number[]; defocusM: number[]; spotDiameterM: number; probeDiameter90M: number };
  scan: { stepM: [number, number]; grid: [number, number]; nPositions: number; order: string; positionErrorM: number; flightSubSteps: number; flightBlurM: number; overlap: number };
  objectGrids: { energyEv: number; pixelSizeM: number; shape: [number, number]; originM: [number, number] }[];
  cxi: CxiEntryRecord[];
  truth: {
    files: Record<string, string>;
    grid: { energyEv: number; pixelSizeM: number; shape: [number, number]; originM: [number, number] };
    volumeGrid: { voxelM: number; shape: [number, number, number]; originM: [number, number, number] } | null;
    driftM: [number, number][] | null;
    driftPx: [number, number][] | null;
    misalignmentM: [number, number][][] | null;
    crystals: { label: number; centerM: [number, number, number]; radiusM: number; cAxis: [number, number, number]; coreState: number; surfaceState: number; profile: string; depthM: number; slabs: { state: number; halfWidthM: number; count: number } | null }[];
    opticalModel: { compound: string; densityGPerCm3: number; scatteringTable: string; references: Record<string, string>; edgeShiftPerValenceEv: number; edgeNi2Ev: number; edgeNi3Ev: number; modelRangeEv: [number, number] };
    conventions: Record<string, string>;
  };
  statistics: { frames: number; totalCounts: number; meanCountsPerFrame: number; saturated: number };
  warnings: string[];
}

export function buildManifest(
  plan: ExperimentPlan,
  parts: { cxi: CxiEntryRecord[]; truthFiles: Record<string, string>; volumeGrid?: Grid3d; statistics: SimManifest['statistics'] },
): SimManifest {
  const c = plan.config;
  const e = edgeModel();
  const it = truthEnergyIndex(plan);
  const tg = plan.grids[it];
  const nA = plan.anglesDeg?.length ?? 0;
  const pairs = (a: Float64Array, from: number, count: number) => Array.from({ length: count }, (_, i) => [a[2 * (from + i)], a[2 * (from + i) + 1]] as [number, number]);
  const drift = c.kind === '2d' ? pairs(plan.shiftsM, 0, plan.energiesEv.length) : null;
  const vg = parts.volumeGrid;
  let validPixels = 0;
  for (const m of plan.mask) validPixels += m;
  return {
    format: 'ptyxanes-sim',
    version: 1,
    preset: c.name,
    description: c.description ?? '',
    kind: c.kind,
    scenario: c.scenario,
    seed: c.seed,
    energiesEv: plan.energiesEv,
    anglesDeg: plan.anglesDeg,
    detector: { ...c.detector, validPixels },
    beam: { ...c.beam, photonsPerFrame: plan.photonsPerFrame },
    zonePlate: {
      diameterM: c.zonePlate.diameterM,
      outerZoneM: c.zonePlate.outerZoneM,
      centralStopDiameterM: c.zonePlate.centralStopDiameterM ?? 0,
      fixedPosition: !!c.zonePlate.fixedPosition,
      focalLengthM: plan.energiesEv.map((en) => zonePlateFocalLengthM(c.zonePlate, en)),
      defocusM: plan.zonePlates.map((z) => z.defocusM),
      spotDiameterM: geometricSpotDiameterM(plan.zonePlates[0], plan.energiesEv[0]),
      probeDiameter90M: plan.probeDiameterM,
    },
    scan: {
      stepM: c.scan.stepM,
      grid: c.scan.grid,
      nPositions: plan.positionsM.length / 2,
      order: 'row by row (y outer, x inner), centred on (0, 0)',
      positionErrorM: c.scan.positionErrorM ?? 0,
      flightSubSteps: plan.flightOffsetsM.length,
      flightBlurM: plan.flightOffsetsM.length > 1 ? (c.scan.flight?.blurFraction ?? 1) * c.scan.stepM[0] : 0,
      overlap: plan.overlap,
    },
    objectGrids: plan.grids.map((g, i) => ({ energyEv: plan.energiesEv[i], pixelSizeM: g.pixelM, shape: [g.ny, g.nx], originM: g.originM })),
    cxi: parts.cxi,
    truth: {
      files: parts.truthFiles,
      grid: { energyEv: plan.energiesEv[it], pixelSizeM: tg.pixelM, shape: [tg.ny, tg.nx], originM: tg.originM },
      volumeGrid: vg ? { voxelM: vg.voxelM, shape: [vg.nz, vg.ny, vg.nx], originM: vg.originM } : null,
      driftM: drift,
      driftPx: drift ? drift.map(([x, y], i) => [x / plan.grids[i].pixelM, y / plan.grids[i].pixelM]) : null,
      misalignmentM: c.kind === '3d' ? plan.energiesEv.map((_, ie) => pairs(plan.shiftsM, ie * nA, nA)) : null,
      crystals: plan.phantom.crystals.map((k, i) => ({
        label: i + 1,
        centerM: k.centerM,
        radiusM: k.radiusM,
        cAxis: k.cAxis,
        coreState: k.state.coreState,
        surfaceState: k.state.surfaceState,
        profile: k.state.profile,
        depthM: k.state.depthM,
        slabs: k.state.slabs ? { state: k.state.slabs.state, halfWidthM: k.state.slabs.halfWidthM, count: k.state.slabs.offsetsM.length } : null,
      })),
      opticalModel: {
        compound: 'LiNi0.8Mn0.1Co0.1O2',
        densityGPerCm3: NMC811.densityGPerCm3,
        scatteringTable: SCATTERING_TABLE_SOURCE,
        references: { ni0: EDGE_REFERENCES.ni0, ni2: EDGE_REFERENCES.ni2, ni3: EDGE_REFERENCES.ni3 },
        edgeShiftPerValenceEv: e.shiftPerValenceEv,
        edgeNi2Ev: e.edgeNi2Ev,
        edgeNi3Ev: e.edgeNi3Ev,
        modelRangeEv: MODEL_RANGE_EV,
      },
      conventions: {
        positions: 'CXI positions are nominal probe positions (ptyxanes convention, src/core/frames.ts); truth/position-errors.tif holds actual − nominal',
        objectGrid: 'object pixel (i, j) centre at originM + (i, j)·pixelSizeM (i = column = x); the probe centre pixel (N/2, N/2) sits on the position',
        transmission: 'O = exp(i·k·∫(−δ + iβ) dz), k = 2π/λ: −ln|O| = k∫β dz, arg O = −k∫δ dz (phase wrapped to (−π, π] in object-phase.tif)',
        farField: 'counts ~ Poisson(|FFT(P·O)|²), FFT unnormalised forward, zero frequency at pixel (N/2, N/2); probe-*.tif is P at that scale',
        drift: '2D: the object at energy i is the sample translated by driftM[i] (x, y); register onto the truth grid by removing it',
        tomography: '3D: entry at angle θ shows the sample rotated by r_lab = R_y(θ)·r_sample (x_lab = cosθ·x + sinθ·z), then translated by misalignmentM[energy][angle]',
        volume: '3D truth volumes are [z, y, x] pages at angle 0; voxel (ix, iy, iz) centre at volumeGrid.originM + (ix, iy, iz)·voxelM',
        oxidationState: '2D/projection truth: thickness-weighted mean Ni oxidation state along the beam, NaN where no material',
      },
    },
    statistics: parts.statistics,
    warnings: plan.warnings,
  };
}
