/**
 * One simulated experiment, independent of where its output goes: the plan (phantom,
 * grids per energy, probes, scan, drift/misalignment) and the run loop that renders the
 * object for every energy (and angle) and streams its diffraction frames to a sink.
 *
 * The phantom is rendered once per angle on a fine grid (pixel = smallest object pixel /
 * renderOversample) as node-thickness maps; each energy's object is then integrated from
 * those maps with that energy's δ/β and area-resampled to the energy's own pixel size
 * λz/(N·dpix) and shifted by its drift/misalignment. All energies share one object array
 * shape, centred on the scan, so pixel (W/2, H/2) is the scan centre at every energy.
 */
import type { ComplexArray } from '../core/arrays.ts';
import { objectPixelSizeM } from '../core/frames.ts';
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import type { SimConfig } from './config.ts';
import { detectorMask, type ForwardFft } from './detector.ts';
import { objectTransmission, ProbeBank, scanFrames, type FrameBlock } from './forward.ts';
import { opticalTable, type OpticalTable } from './optics.ts';
import { makePhantom, rotatePhantomY, stateRange, type Phantom } from './phantom.ts';
import { geometricSpotDiameterM, probeDiameterM, zonePlateFocalLengthM, zonePlateProbe, type ZonePlateSpec } from './probe.ts';
import { integrateOptics, nodeRangeFor, renderProjection, type Grid2d, type NodeRange, type ProjectionMaps } from './render.ts';
import { AreaResampler } from './resample.ts';
import { Rng } from './rng.ts';
import { energyDriftM, flightOffsetsM, MIN_OVERLAP, overlapFraction, positionErrorsM, rasterPositionsM, tomoAnglesDeg, tomoMisalignmentM } from './scan.ts';

export interface ExperimentPlan {
  config: SimConfig;
  energiesEv: number[];
  anglesDeg: number[] | null;
  table: OpticalTable;
  phantom: Phantom;
  nodes: NodeRange;
  /** Object grid of each energy (same shape, pixel size per energy). */
  grids: Grid2d[];
  /** Fine grid the phantom is rendered on (sample frame). */
  fineGrid: Grid2d;
  /** Nominal probe positions (m, x/y pairs), written to the CXI files. */
  positionsM: Float64Array;
  flightOffsetsM: number[];
  mask: Uint8Array;
  photonsPerFrame: number;
  /** Zone-plate spec actually used at each energy (defocus per energy). */
  zonePlates: ZonePlateSpec[];
  /** Sample shift per energy (2D) or per energy×angle (3D), m, x/y pairs. */
  shiftsM: Float64Array;
  probeDiameterM: number;
  overlap: number;
  warnings: string[];
}

export function planExperiment(config: SimConfig): ExperimentPlan {
  const c = config;
  const n = c.detector.crop;
  const energiesEv = [...c.energiesEv];
  const nE = energiesEv.length;
  const phantom = makePhantom({ scenario: c.scenario, seed: c.seed, count: c.sample.crystals, sizeRangeM: c.sample.sizeRangeM, kind: c.kind, extentM: c.sample.extentM });
  const table = opticalTable(energiesEv, { states: stateRange(phantom) });
  const anglesDeg = c.kind === '3d' && c.tomography ? tomoAnglesDeg(c.tomography.angles, c.tomography.rangeDeg) : null;
  const nA = anglesDeg?.length ?? 1;
  const pixels = energiesEv.map((e) => objectPixelSizeM(e, c.detector.distanceM, c.detector.pixelM, n));
  const pMin = Math.min(...pixels);

  // Shifts of the sample: 2D drift per energy; 3D misalignment per energy and angle.
  let shiftsM: Float64Array;
  if (c.kind === '2d') shiftsM = c.drift ? energyDriftM(nE, c.drift.stepRmsM, Rng.stream(c.seed, 'drift')) : new Float64Array(2 * nE);
  else {
    shiftsM = new Float64Array(2 * nE * nA);
    const t = c.tomography!;
    for (let e = 0; e < nE; e++) shiftsM.set(tomoMisalignmentM(nA, t.shiftRmsM, t.driftM, Rng.stream(c.seed, 'misalignment', e)), 2 * e * nA);
  }
  let maxShift = 0;
  for (const s of shiftsM) maxShift = Math.max(maxShift, Math.abs(s));

  // Sample footprint in projection (all angles for 3D: the cylinder around the y axis).
  let fx = 0;
  let fy = 0;
  for (const k of phantom.crystals) {
    fx = Math.max(fx, (c.kind === '3d' ? Math.hypot(k.centerM[0], k.centerM[2]) : Math.abs(k.centerM[0])) + k.radiusM);
    fy = Math.max(fy, Math.abs(k.centerM[1]) + k.radiusM);
  }
  const positionsM = rasterPositionsM(c.scan);
  const flight = flightOffsetsM(c.scan);
  const errMargin = 5 * (c.scan.positionErrorM ?? 0) + Math.max(...flight.map(Math.abs));
  const halfX = ((c.scan.grid[0] - 1) / 2) * c.scan.stepM[0] + errMargin;
  const halfY = ((c.scan.grid[1] - 1) / 2) * c.scan.stepM[1] + errMargin;
  // Object array: every probe window at every energy, plus 2 pixels.
  const w = 2 * Math.ceil(halfX / pMin + n / 2 + 2);
  const h = 2 * Math.ceil(halfY / pMin + n / 2 + 2);
  const grids: Grid2d[] = pixels.map((p) => ({ nx: w, ny: h, pixelM: p, originM: [-(w / 2) * p, -(h / 2) * p] }));
  const pf = pMin / c.sample.renderOversample;
  const fnx = 2 * Math.ceil((fx + maxShift) / pf + 2);
  const fny = 2 * Math.ceil((fy + maxShift) / pf + 2);
  const fineGrid: Grid2d = { nx: fnx, ny: fny, pixelM: pf, originM: [-(fnx / 2) * pf, -(fny / 2) * pf] };

  const zonePlates = energiesEv.map((e) => {
    const zp: ZonePlateSpec = { ...c.zonePlate };
    if (c.zonePlate.fixedPosition) zp.defocusM = c.zonePlate.defocusM + zonePlateFocalLengthM(c.zonePlate, energiesEv[0]) - zonePlateFocalLengthM(c.zonePlate, e);
    return zp;
  });
  const photonsPerFrame = c.beam.fluxPhotonsPerS * c.beam.exposureS;
  const probe0 = zonePlateProbe(zonePlates[0], { energyEv: energiesEv[0], n, pixelM: pixels[0] });
  const diam = probeDiameterM(probe0, pixels[0]);
  const overlap = overlapFraction(c.scan.stepM, diam);
  const warnings: string[] = [];
  if (overlap < MIN_OVERLAP) {
    warnings.push(
      `scan step ${(Math.max(...c.scan.stepM) * 1e6).toFixed(2)} µm leaves ${(overlap * 100).toFixed(0)} % overlap with the ${(diam * 1e6).toFixed(2)} µm probe ` +
        `(90 % of the intensity; geometric spot ${(geometricSpotDiameterM(zonePlates[0], energiesEv[0]) * 1e6).toFixed(2)} µm): ptychography needs ≳ ${MIN_OVERLAP * 100} %`,
    );
  }
  return {
    config: c,
    energiesEv,
    anglesDeg,
    table,
    phantom,
    nodes: nodeRangeFor(phantom),
    grids,
    fineGrid,
    positionsM,
    flightOffsetsM: flight,
    mask: detectorMask(c.detector, c.seed),
    photonsPerFrame,
    zonePlates,
    shiftsM,
    probeDiameterM: diam,
    overlap,
    warnings,
  };
}

/** Probe of energy index ie, scaled so that Σ|FFT(P)|² = photons per frame. */
export function planProbe(plan: ExperimentPlan, ie: number): ComplexArray {
  const n = plan.config.detector.crop;
  return zonePlateProbe(plan.zonePlates[ie], { energyEv: plan.energiesEv[ie], n, pixelM: plan.grids[ie].pixelM, totalIntensity: plan.photonsPerFrame / (n * n) });
}

/** Shift (m) of the sample for energy ie and angle ia. */
export function planShift(plan: ExperimentPlan, ie: number, ia: number): [number, number] {
  const nA = plan.anglesDeg?.length ?? 1;
  const o = plan.anglesDeg ? 2 * (ie * nA + ia) : 2 * ie;
  return [plan.shiftsM[o], plan.shiftsM[o + 1]];
}

/** Fine-grid projection of the phantom at angle index ia (0 for 2D). */
export function renderAngle(plan: ExperimentPlan, ia: number): ProjectionMaps {
  const angle = plan.anglesDeg ? (plan.anglesDeg[ia] * Math.PI) / 180 : 0;
  const ph = angle ? rotatePhantomY(plan.phantom, angle) : plan.phantom;
  return renderProjection(ph, plan.fineGrid, { supersample: plan.config.sample.supersample, nodes: plan.nodes });
}

/** Object transmission at energy ie from a fine-grid projection, shifted by `shiftM`. */
export function objectFromMaps(plan: ExperimentPlan, maps: ProjectionMaps, ie: number, shiftM: [number, number]): ComplexArray {
  const { deltaIntegralM, betaIntegralM } = integrateOptics(maps, plan.table, ie);
  const grid = plan.grids[ie];
  const rs = new AreaResampler(plan.fineGrid, grid, shiftM);
  return objectTransmission(rs.apply(deltaIntegralM), rs.apply(betaIntegralM), plan.energiesEv[ie], [grid.ny, grid.nx]);
}

export interface EntryInfo {
  ie: number;
  ia: number;
  energyEv: number;
  angleDeg?: number;
  grid: Grid2d;
  probe: ComplexArray;
  object: ComplexArray;
  /** Actual positions used (nominal + errors), m. */
  actualPositionsM: Float64Array;
}

/** Receives the run's output entry by entry. */
export interface ExperimentSink {
  /** Called with each angle's fine-grid projection before its entries (truth maps use angle 0). */
  angleRendered?(ia: number, maps: ProjectionMaps): Promise<void> | void;
  beginEntry(info: EntryInfo): Promise<void> | void;
  appendFrames(block: FrameBlock): Promise<void> | void;
  endEntry(info: EntryInfo): Promise<void> | void;
}

export interface RunOptions extends RunControl {
  fft?: ForwardFft;
  noiseFree?: boolean;
}

/**
 * Runs the experiment: angle outer (one render per angle), energy inner. For 2D there is one
 * "angle". Entry order: (angle 0: all energies), (angle 1: all energies), … Progress is
 * reported per block of frames (done/total in frames).
 */
export async function runExperiment(plan: ExperimentPlan, sink: ExperimentSink, opts: RunOptions = {}): Promise<{ saturated: number; totalCounts: number; frames: number }> {
  const c = plan.config;
  const nE = plan.energiesEv.length;
  const nA = plan.anglesDeg?.length ?? 1;
  const nPos = plan.positionsM.length / 2;
  const total = nE * nA * nPos; // progress unit: frames
  const probes = plan.energiesEv.map((_, ie) => planProbe(plan, ie));
  const banks = probes.map((p) => new ProbeBank(p));
  let saturated = 0;
  let totalCounts = 0;
  let frames = 0;
  for (let ia = 0; ia < nA; ia++) {
    throwIfAborted(opts.signal);
    const maps = renderAngle(plan, ia);
    await sink.angleRendered?.(ia, maps);
    for (let ie = 0; ie < nE; ie++) {
      throwIfAborted(opts.signal);
      const object = objectFromMaps(plan, maps, ie, planShift(plan, ie, ia));
      const errors = positionErrorsM(nPos, c.scan.positionErrorM ?? 0, Rng.stream(c.seed, 'position-errors', ie, ia));
      const actual = plan.positionsM.map((x, i) => x + errors[i]);
      const info: EntryInfo = { ie, ia, energyEv: plan.energiesEv[ie], angleDeg: plan.anglesDeg?.[ia], grid: plan.grids[ie], probe: probes[ie], object, actualPositionsM: actual };
      await sink.beginEntry(info);
      const job = {
        object,
        grid: plan.grids[ie],
        bank: banks[ie],
        positionsM: actual,
        flightOffsetsM: plan.flightOffsetsM,
        mask: plan.mask,
        saturationCounts: c.detector.saturationCounts,
        rng: Rng.stream(c.seed, 'poisson', ie, ia),
        noiseFree: opts.noiseFree,
      };
      for await (const block of scanFrames(job, { blockFrames: c.output?.blockFrames, fft: opts.fft, signal: opts.signal })) {
        saturated += block.saturated;
        totalCounts += block.total;
        frames += block.count;
        await sink.appendFrames(block);
        opts.onProgress?.({
          stage: 'simulate',
          done: frames,
          total,
          message: `${plan.energiesEv[ie].toFixed(1)} eV${plan.anglesDeg ? `, angle ${plan.anglesDeg[ia].toFixed(2)}°` : ''}: frames ${block.start + block.count}/${nPos}`,
          values: { energyEv: plan.energiesEv[ie], ...(plan.anglesDeg ? { angleDeg: plan.anglesDeg[ia] } : {}) },
        });
      }
      await sink.endEntry(info);
    }
  }
  return { saturated, totalCounts, frames };
}
