/**
 * How well can the XANES fit read the oxidation state at a given noise? The simulator's exact
 * −ln|O| per energy (no ptychography) on the truth grid of a simulated 2D sample, plus
 * Gaussian noise σ, fitted with each edge model; RMS error, bias and correlation against the
 * truth state inside the crystals (truth thickness ≥ 30 % of its maximum, as the pipeline's
 * truth comparison). The evidence behind the default edge model (src/xanes/README.md).
 *
 *   npx tsx scripts/eval-edge-model.ts [--sample samples/generated/2d-small] [--sigma 0,0.001,0.002,0.004] [--json]
 *
 * The sample must exist (`npx ptyxanes simulate --preset 2d-small --out samples/generated/2d-small`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTiff } from '../src/io/tiff.ts';
import { spreadAndCorrelation } from '../src/pipeline/truth.ts';
import { objectTransmission } from '../src/sim/forward.ts';
import { planExperiment, renderAngle } from '../src/sim/experiment.ts';
import { integrateOptics } from '../src/sim/render.ts';
import { AreaResampler } from '../src/sim/resample.ts';
import { presetConfig } from '../src/sim/config.ts';
import { fitXanes } from '../src/xanes/fit.ts';
import type { EdgeModel } from '../src/xanes/shared-shape.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const sample = arg('--sample', 'samples/generated/2d-small');
const sigmas = arg('--sigma', '0,0.001,0.002,0.004').split(',').map(Number);
const json = process.argv.includes('--json');

const manifest = JSON.parse(readFileSync(join(sample, 'manifest.json'), 'utf8')) as {
  preset: string | null;
  seed: number;
  energiesEv: number[];
  truth: { files: Record<string, string>; grid: { pixelSizeM: number; shape: [number, number]; originM: [number, number] } };
};
if (!manifest.preset) throw new Error(`${sample}: not simulated from a preset; this script rebuilds the phantom from the preset's config`);
const config = presetConfig(manifest.preset);
if (config.seed !== manifest.seed || config.energiesEv.join() !== manifest.energiesEv.join()) throw new Error(`${sample}: seed or energies differ from preset '${manifest.preset}'`);
const plan = planExperiment(config);
const maps = renderAngle(plan, 0);
const tg = manifest.truth.grid;
const [h, w] = tg.shape;
// The truth maps are on the highest energy's object grid (same origin convention as Grid2d).
const grid = { nx: w, ny: h, pixelM: tg.pixelSizeM, originM: tg.originM };
const rs = new AreaResampler(plan.fineGrid, grid, [0, 0]);
const nE = plan.energiesEv.length;
const clean = new Float32Array(nE * h * w);
for (let e = 0; e < nE; e++) {
  const { deltaIntegralM, betaIntegralM } = integrateOptics(maps, plan.table, e);
  const o = objectTransmission(rs.apply(deltaIntegralM), rs.apply(betaIntegralM), plan.energiesEv[e], [h, w]);
  for (let i = 0; i < h * w; i++) clean[e * h * w + i] = -Math.log(Math.hypot(o.data[2 * i], o.data[2 * i + 1]));
}
const state = await readTiff(join(sample, manifest.truth.files.oxidationState));
const thick = await readTiff(join(sample, manifest.truth.files.thickness));
let tMax = 0;
for (const v of thick.data) tMax = Math.max(tMax, v);
const inside = Uint8Array.from(thick.data, (t, i) => (t >= 0.3 * tMax && Number.isFinite(state.data[i]) ? 1 : 0));
let jump = 0;
for (let i = 0; i < h * w; i++) jump = Math.max(jump, clean[(nE - 1) * h * w + i] - clean[i]);

let seed = 12345;
const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());

const rows: { sigma: number; model: EdgeModel; rms: number; bias: number; correlation: number; pixels: number; missing: number }[] = [];
for (const sigma of sigmas) {
  const noisy = Float32Array.from(clean, (v) => v + sigma * gauss());
  for (const model of ['free', 'shared'] as const) {
    const r = await fitXanes({ data: noisy, shape: [nE, h, w] }, plan.energiesEv, { backend: 'cpu', edgeModel: model });
    const f: number[] = [];
    const t: number[] = [];
    let missing = 0;
    for (let i = 0; i < h * w; i++) {
      if (!inside[i]) continue;
      if (Number.isFinite(r.oxidationState[i])) {
        f.push(r.oxidationState[i]);
        t.push(state.data[i]);
      } else missing++;
    }
    const n = f.length;
    let s2 = 0;
    for (let i = 0; i < n; i++) s2 += (f[i] - t[i]) ** 2;
    const { corr } = spreadAndCorrelation(f, t);
    const bias = (f.reduce((a, b) => a + b, 0) - t.reduce((a, b) => a + b, 0)) / n;
    rows.push({ sigma, model, rms: Math.sqrt(s2 / n), bias, correlation: corr, pixels: n, missing });
  }
}
if (json) {
  console.log(JSON.stringify({ sample, energies: nE, maxEdgeJump: jump, rows }, null, 2));
} else {
  console.log(`${sample}: ${nE} energies, ${h}×${w} truth grid, largest edge jump ${jump.toFixed(3)} in −ln|O|`);
  console.log('sigma     model   RMS    bias    corr   pixels missing');
  for (const r of rows) console.log(`${r.sigma.toFixed(4).padEnd(9)} ${r.model.padEnd(7)} ${r.rms.toFixed(3)}  ${(r.bias >= 0 ? '+' : '') + r.bias.toFixed(3)}  ${r.correlation.toFixed(2).padStart(5)}  ${String(r.pixels).padStart(6)} ${String(r.missing).padStart(6)}`);
}
