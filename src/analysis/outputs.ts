/**
 * Files of an analysis (Node): crystal table (CSV, JSON), label and depth TIFFs, a label
 * picture, profiles (CSV, PNG with the fitted models), fits (JSON, CSV), slabs (CSV, JSON)
 * and a summary JSON; and the comparison of several samples (CSV, PNG).
 */
import { join } from 'node:path';
import { ensureWritableDir, writeFileAtomic, writeJson } from '../io/files.ts';
import { colorAt, type Rgba } from '../io/colormaps.ts';
import { PALETTE, renderLinePlot, type PlotSeries } from '../io/plots.ts';
import { writePng } from '../io/png.ts';
import { Raster } from '../io/raster.ts';
import { writeTiff } from '../io/tiff.ts';
import type { AnalysisResult } from './analyse.ts';
import { type Comparison, comparisonCsv, comparisonHistogramCsv } from './compare.ts';
import { crystalTableCsv, depthOfDistanceNm } from './crystals.ts';
import type { ProfileFits } from './diffusion.ts';
import { profilesCsv } from './profiles.ts';
import { slabsCsv, slabsPerCrystalCsv } from './slabs.ts';

const f6 = (v: number) => (Number.isFinite(v) ? String(+v.toPrecision(6)) : '');

export async function writeAnalysisOutputs(r: AnalysisResult, outDir: string): Promise<string[]> {
  await ensureWritableDir(outDir);
  const written: string[] = [];
  const nd = r.shape.length;
  const p = (name: string) => {
    const path = join(outDir, name);
    written.push(path);
    return path;
  };
  const seg = r.segmentation;
  const tiffMeta = (what: string) => ({ pixelSizeM: r.spacingM[nd - 1], spacingM: nd === 3 ? r.spacingM[0] : undefined, description: what });
  await writeFileAtomic(p('crystals.csv'), crystalTableCsv(r.crystals, nd));
  await writeJson(p('crystals.json'), { threshold: r.threshold, overall: r.overall, maskThreshold: seg.maskThreshold, crystals: r.crystals });
  await writeTiff(p('labels.tif'), { data: Float32Array.from(seg.labels), shape: r.shape }, tiffMeta('crystal label (0 = none)'));
  const depth = new Float32Array(seg.labels.length).fill(NaN);
  for (let i = 0; i < depth.length; i++) if (seg.labels[i]) depth[i] = depthOfDistanceNm(seg.distanceM[i], r.spacingM);
  await writeTiff(p('depth_nm.tif'), { data: depth, shape: r.shape }, tiffMeta('depth below the crystal surface (nm)'));
  const pic = labelPicture(r);
  await writePng(p('labels.png'), pic.rgba, pic.width, pic.height);

  await writeFileAtomic(p('profiles.csv'), profilesCsv(r.profiles));
  const plot = profilePlot(r);
  await writePng(p('profile.png'), plot.rgba, plot.width, plot.height);
  await writeJson(p('profile_fits.json'), {
    geometry: r.meanFit?.diffusion.geometry ?? null,
    note: 'diffusionM2PerS needs the effective time (--time-h); Dt (nm²) is always given. AIC/BIC with the bins\' errors; errors scaled by √(χ²/dof) when > 1.',
    mean: r.meanFit ? stripFitted(r.meanFit) : { skipped: r.meanFitSkipped },
    meanOf: r.profiles.meanOf,
    crystals: r.crystalFits.map((c) => (c.fits ? { id: c.id, ...stripFitted(c.fits) } : { id: c.id, skipped: c.skipped })),
  });
  await writeFileAtomic(p('profile_fits.csv'), fitsCsv(r));
  if (r.slabs) {
    await writeFileAtomic(p('slabs.csv'), slabsCsv(r.slabs, nd));
    await writeFileAtomic(p('slabs_per_crystal.csv'), slabsPerCrystalCsv(r.slabs, nd));
    await writeJson(p('slabs.json'), { threshold: r.slabs.threshold, slabs: r.slabs.slabs, perCrystal: r.slabs.perCrystal });
  }
  await writeJson(p('analysis_summary.json'), {
    shape: r.shape,
    spacingM: r.spacingM,
    crystals: r.crystals.length,
    threshold: r.threshold,
    overall: r.overall,
    droppedRegions: seg.droppedSizes.length,
    meanProfileFit: r.meanFit ? summaryOfFit(r.meanFit) : null,
    slabs: r.slabs ? r.slabs.slabs.length : null,
    warnings: r.warnings,
  });
  return written;
}

function stripFitted(f: ProfileFits) {
  const drop = <T extends { fitted: number[] }>(m: T) => ({ ...m, fitted: undefined });
  return { preferredByAic: f.preferredByAic, preferredByBic: f.preferredByBic, deltaAic: f.deltaAic, diffusion: drop(f.diffusion), coreShell: drop(f.coreShell), uniform: drop(f.uniform) };
}

function summaryOfFit(f: ProfileFits) {
  const d = f.diffusion, c = f.coreShell;
  return {
    preferredByAic: f.preferredByAic,
    preferredByBic: f.preferredByBic,
    deltaAic: f.deltaAic,
    diffusionM2PerS: d.diffusionM2PerS,
    diffusionErrM2PerS: d.diffusionErrM2PerS,
    dtNm2: d.dtNm2,
    diffusionLengthNm: Math.sqrt(d.dtNm2),
    surfaceState: d.surfaceState,
    initialState: d.initialState,
    shellThicknessNm: c.shellThicknessNm,
    shellState: c.shellState,
    coreState: c.coreState,
  };
}

function fitsCsv(r: AnalysisResult): string {
  const head = 'crystal,preferred_aic,preferred_bic,delta_aic,D_m2_per_s,D_err_m2_per_s,Dt_nm2,Dt_err_nm2,dt_at_bound,surface_state,initial_state,size_nm,shell_thickness_nm,shell_state,core_state,uniform_state,aic_diffusion,aic_core_shell,aic_uniform';
  const row = (id: string, f: ProfileFits) => {
    const d = f.diffusion, c = f.coreShell, u = f.uniform;
    return [id, f.preferredByAic, f.preferredByBic, f6(f.deltaAic), f6(d.diffusionM2PerS), f6(d.diffusionErrM2PerS), f6(d.dtNm2), f6(d.dtErrNm2), d.atBound ?? '', f6(d.surfaceState), f6(d.initialState), f6(d.sizeNm), f6(c.shellThicknessNm), f6(c.shellState), f6(c.coreState), f6(u.state), f6(d.aic), f6(c.aic), f6(u.aic)].join(',');
  };
  const lines = [head];
  if (r.meanFit) lines.push(row('mean', r.meanFit));
  for (const c of r.crystalFits) if (c.fits) lines.push(row(String(c.id), c.fits));
  return lines.join('\n') + '\n';
}

function profilePlot(r: AnalysisResult) {
  const grey: Rgba = [200, 200, 200, 255];
  const series: PlotSeries[] = r.profiles.crystals.filter((c) => r.profiles.meanOf.includes(c.id)).map((c) => ({ x: c.depthNm, y: c.mean, color: grey }));
  const m = r.profiles.mean;
  series.push({ x: m.depthNm, y: m.mean, yErr: m.uncertainty, style: 'points', label: `mean of ${r.profiles.meanOf.length} crystals`, color: [20, 20, 20, 255] });
  if (r.meanFit) {
    const d = r.meanFit.diffusion, c = r.meanFit.coreShell;
    const dl = Number.isFinite(d.diffusionM2PerS) ? `D ${d.diffusionM2PerS.toExponential(1)} m2/s` : `sqrt(Dt) ${Math.sqrt(d.dtNm2).toFixed(0)} nm`;
    series.push({ x: m.depthNm, y: d.fitted, label: `diffusion (${d.geometry}), ${dl}`, width: 2, color: PALETTE[0] });
    series.push({ x: m.depthNm, y: c.fitted, style: 'steps', label: `core-shell, shell ${c.shellThicknessNm.toFixed(0)} nm`, width: 1, color: PALETTE[1] });
  }
  const title = r.meanFit ? `surface to core: ${r.meanFit.preferredByAic} preferred (dAIC ${r.meanFit.deltaAic.toFixed(1)})` : 'surface to core';
  return renderLinePlot({ series, xLabel: 'depth below the surface (nm)', yLabel: 'Ni oxidation state', title });
}

/** Crystal labels in spread-out colours with their ids (a map, or the volume's middle slice). */
function labelPicture(r: AnalysisResult) {
  const nd = r.shape.length;
  const [h, w] = nd === 1 ? [1, r.shape[0]] : r.shape.slice(-2);
  const z0 = nd === 3 ? Math.floor(r.shape[0] / 2) * h * w : 0;
  const scale = Math.max(1, Math.floor(480 / Math.max(h, w)));
  const ras = new Raster(w * scale, h * scale, [0, 0, 0, 255]);
  const sum = new Map<number, [number, number, number]>();
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const id = r.segmentation.labels[z0 + y * w + x];
    if (!id) continue;
    // Golden-ratio hue steps so neighbouring ids get distant colours.
    ras.fillRect(x * scale, y * scale, scale, scale, colorAt('viridis', 0.15 + 0.85 * ((id * 0.6180339887) % 1)));
    const s = sum.get(id) ?? [0, 0, 0];
    sum.set(id, [s[0] + x, s[1] + y, s[2] + 1]);
  }
  if (scale >= 3) for (const [id, [sx, sy, n]] of sum) ras.text(String(id), Math.round((sx / n) * scale), Math.round((sy / n) * scale) - 3, [255, 255, 255, 255], 1);
  return { rgba: ras.rgba, width: ras.width, height: ras.height };
}

/** comparison.csv (table), comparison_histograms.csv and comparison.png (Fig. 5g style). */
export async function writeComparisonOutputs(c: Comparison, outDir: string): Promise<string[]> {
  await ensureWritableDir(outDir);
  const a = join(outDir, 'comparison.csv'), b = join(outDir, 'comparison_histograms.csv'), png = join(outDir, 'comparison.png');
  await writeFileAtomic(a, comparisonCsv(c));
  await writeFileAtomic(b, comparisonHistogramCsv(c));
  const centres = c.binEdges.slice(0, -1).map((e, i) => (e + c.binEdges[i + 1]) / 2);
  const pic = renderLinePlot({
    series: c.rows.map((row, k) => ({ x: centres, y: c.fractions[k].map((v) => 100 * v), style: 'steps' as const, width: 2, label: `${row.name}: mean ${row.mean.toFixed(2)}, >${c.threshold} ${(100 * row.fractionAbove).toFixed(0)}%` })),
    xLabel: 'Ni oxidation state',
    yLabel: '% of voxels per bin',
    refLines: [{ x: 2, label: 'NiO' }, { x: 3, label: 'LiNiO2' }],
    title: `${c.rows.length} samples`,
  });
  await writePng(png, pic.rgba, pic.width, pic.height);
  return [a, b, png];
}
