/**
 * The test of the edge-model default on real spectra: the real Ni compounds other
 * than the calibration pair (LaNiO3 3+, NiCo2O4 mixed, NiFe2O4 2+; LISA/CERIC, data/
 * reference-spectra) plus NiO and LiNiO2 as controls, on the paper's 2D grid (51 energies),
 * as pixel spectra μ = 0.3 + 1e-4·(E − 8270) + J·(reference + σ·noise) with J = 0.06 and
 * σ a fraction of the edge jump (ptychographic −ln|O| carries a few %: src/xanes/README.md).
 * Read by the shared-shape edge model (default), the free 3-Gaussian fit and LCF by NiO +
 * LiNiO2 (src/analysis/lcf.ts); reported against the formal valence and an independent
 * edge metric (the dense noise-free spectrum's normalised-μ = 0.5 crossing, calibrated on
 * the same NiO and LiNiO2). Two settings: each compound alone in its data set (the shared
 * template is that compound's own mean spectrum), and all five in one data set (one
 * template for all, as in a heterogeneous sample).
 *
 *   npx tsx scripts/eval-lcf-real-spectra.ts [--sigma 0.005,0.02,0.04] [--pixels 200] [--json]
 */
import { lcfStack } from '../src/analysis/lcf.ts';
import { gauss, rng } from '../src/analysis/phantom.ts';
import { findEdgeFeatures } from '../src/xanes/dense-spectrum.ts';
import { fitXanes } from '../src/xanes/fit.ts';
import { PAPER_2D_ENERGIES_EV } from '../src/xanes/grid.ts';
import { interpolateSpectrum, loadReferenceSpectra } from '../src/xanes/references.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const sigmas = arg('--sigma', '0.005,0.02,0.04').split(',').map(Number);
const nPix = Number(arg('--pixels', '200'));
const json = process.argv.includes('--json');
const refs = loadReferenceSpectra();
const E = PAPER_2D_ENERGIES_EV;
const ids = ['nio', 'liNiO2', 'laNiO3', 'niCo2O4', 'niFe2O4'];
// Independent metric: normalised μ = 0.5 crossing of the dense spectrum, on the NiO–LiNiO2 line.
const half = (id: string) => findEdgeFeatures(refs[id]).halfStepEv;
const slope = 1 / (half('liNiO2') - half('nio'));
const byHalfStep = (id: string) => 2 + (half(id) - half('nio')) * slope;

function stackOf(list: string[], sigma: number, seed: number) {
  const g = gauss(rng(seed));
  const n = list.length * nPix;
  const mu = list.map((id) => interpolateSpectrum(refs[id], E));
  const data = new Float32Array(E.length * n);
  for (let c = 0; c < list.length; c++) for (let q = 0; q < nPix; q++) {
    const p = c * nPix + q;
    for (let j = 0; j < E.length; j++) data[j * n + p] = 0.3 + 1e-4 * (E[j] - 8270) + 0.06 * (mu[c][j] + sigma * g());
  }
  return { data, shape: [E.length, n] };
}

function stats(v: Float32Array, from: number, to: number) {
  const x = Array.from(v.subarray(from, to)).filter(Number.isFinite);
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  return { mean: m, sd: Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, x.length - 1)), n: x.length };
}

type Row = { setting: string; sigma: number; compound: string; formal: number; halfStep: number; shared: number; sharedSd: number; free: number; freeSd: number; lcf: number; lcfSd: number };
const rows: Row[] = [];
for (const sigma of sigmas) {
  for (const setting of ['alone', 'together'] as const) {
    const groups = setting === 'alone' ? ids.map((id) => [id]) : [ids];
    for (const [gi, list] of groups.entries()) {
      const stack = stackOf(list, sigma, 100 + gi + Math.round(sigma * 1e4));
      const shared = await fitXanes(stack, E, { backend: 'cpu', edgeModel: 'shared', minEdgeStep: 0.01 });
      const free = await fitXanes(stack, E, { backend: 'cpu', edgeModel: 'free', minEdgeStep: 0.01 });
      const lcf = lcfStack(stack, E, [refs.nio, refs.liNiO2], { minEdgeStep: 0.01 });
      list.forEach((id, c) => {
        const [a, b] = [c * nPix, (c + 1) * nPix];
        const s = stats(shared.oxidationState, a, b), f = stats(free.oxidationState, a, b), l = stats(lcf.oxidationState, a, b);
        rows.push({ setting, sigma, compound: refs[id].compound, formal: refs[id].oxidationState, halfStep: byHalfStep(id), shared: s.mean, sharedSd: s.sd, free: f.mean, freeSd: f.sd, lcf: l.mean, lcfSd: l.sd });
      });
    }
  }
}
if (json) console.log(JSON.stringify(rows, null, 2));
else {
  const f = (v: number) => v.toFixed(2);
  console.log('setting   σ/J    compound                 formal half-step | shared (sd)  | free (sd)    | LCF NiO+LiNiO2 (sd)');
  for (const r of rows) console.log(`${r.setting.padEnd(9)} ${r.sigma.toFixed(3)}  ${r.compound.padEnd(24)} ${f(r.formal).padStart(5)}  ${f(r.halfStep).padStart(5)}    | ${f(r.shared)} (${f(r.sharedSd)}) | ${f(r.free)} (${f(r.freeSd)}) | ${f(r.lcf)} (${f(r.lcfSd)})`);
  // Accuracy summary per reader over the three non-calibration compounds: RMS of (mean − formal) and mean sd.
  for (const setting of ['alone', 'together']) for (const sigma of sigmas) {
    const sel = rows.filter((r) => r.setting === setting && r.sigma === sigma && !['NiO', 'LiNiO2'].includes(r.compound));
    const rms = (k: 'shared' | 'free' | 'lcf' | 'halfStep') => Math.sqrt(sel.reduce((a, r) => a + (r[k] - r.formal) ** 2, 0) / sel.length);
    const sd = (k: 'sharedSd' | 'freeSd' | 'lcfSd') => sel.reduce((a, r) => a + r[k], 0) / sel.length;
    console.log(`${setting} σ/J ${sigma}: RMS(mean − formal) half-step ${f(rms('halfStep'))}, shared ${f(rms('shared'))}, free ${f(rms('free'))}, LCF ${f(rms('lcf'))}; mean pixel sd shared ${f(sd('sharedSd'))}, free ${f(sd('freeSd'))}, LCF ${f(sd('lcfSd'))}`);
  }
}
