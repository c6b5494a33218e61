/**
 * Analysis benchmark: the exact Euclidean distance transform against scipy.ndimage's
 * distance_transform_edt (the usual tool for it; also exact), and the whole analysis
 * (segmentation, table, profiles, fits, slabs) on a 2D map and a 3D volume of ball phantoms.
 * Ours and scipy alternate (A B A B A B) in one run so machine load hits both alike; scipy
 * times itself inside Python (interpreter start-up excluded) and its result is checked
 * against ours (largest absolute difference, pixels).
 *
 *   npx tsx scripts/bench-analysis.ts [--quick] [--no-peer] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostInfo } from './host-info.ts';
import { analyseStateMap } from '../src/analysis/analyse.ts';
import { distanceTransform } from '../src/analysis/distance.ts';
import { ballPhantom, type Ball } from '../src/analysis/phantom.ts';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const peer = !process.argv.includes('--no-peer');
const reps = 3;

function balls(shape: number[], n: number, r: number): Ball[] {
  const out: Ball[] = [];
  const per = Math.round(n ** (1 / shape.length));
  const step = shape.map((s) => s / per);
  for (let k = 0; k < per ** shape.length; k++) {
    const idx = shape.map((_, a) => Math.floor(k / per ** (shape.length - 1 - a)) % per);
    out.push({ c: idx.map((i, a) => (i + 0.5) * step[a]), r: r * (0.8 + 0.4 * ((k * 0.618) % 1)) });
  }
  return out;
}

const cases = quick
  ? [{ label: '2D 256²', shape: [256, 256], n: 16, r: 25 }, { label: '3D 64³', shape: [64, 64, 64], n: 8, r: 12 }]
  : [{ label: '2D 1024²', shape: [1024, 1024], n: 64, r: 50 }, { label: '3D 160³', shape: [160, 160, 160], n: 27, r: 20 }];

const dir = mkdtempSync(join(tmpdir(), 'bench-analysis-'));
const results = [];
try {
  for (const c of cases) {
    const ph = ballPhantom(c.shape, balls(c.shape, c.n, c.r), (d) => 2.5 + 0.01 * d, 0.1, 1);
    const mask = Uint8Array.from(ph.truth, (v) => (v ? 1 : 0));
    const ours: number[] = [], scipy: number[] = [];
    let diff = NaN;
    const file = join(dir, 'mask.u8');
    writeFileSync(file, mask);
    let dt: Float64Array = new Float64Array(0);
    for (let k = 0; k < reps; k++) {
      const t = performance.now();
      dt = distanceTransform(mask, c.shape);
      ours.push((performance.now() - t) / 1000);
      if (peer) {
        const py = `import numpy as np, time, scipy.ndimage as nd\nm=np.fromfile('${file}',dtype=np.uint8).reshape(${JSON.stringify(c.shape)})\nt=time.perf_counter(); d=nd.distance_transform_edt(m); s=time.perf_counter()-t\nd.astype(np.float64).tofile('${file}.out'); print(s)`;
        const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`scipy: ${r.stderr.trim().split('\n').pop()}`);
        scipy.push(Number(r.stdout.trim()));
      }
    }
    if (peer) {
      const ref = new Float64Array(readFileSync(`${file}.out`).buffer.slice(0));
      diff = 0;
      for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ref[i] - dt[i]));
    }
    const t = performance.now();
    const a = analyseStateMap({ state: ph.state, shape: c.shape, pixelSizeM: 40e-9, uncertainty: ph.std, edgeStep: ph.edgeStep }, { timeS: 3600 });
    const analyseS = (performance.now() - t) / 1000;
    const best = (x: number[]) => Math.min(...x);
    results.push({
      label: c.label,
      voxels: mask.length,
      edtS: +best(ours).toFixed(4),
      scipyEdtS: peer ? +best(scipy).toFixed(4) : null,
      oursOverScipy: peer ? +(best(scipy) / best(ours)).toFixed(2) : null,
      maxDifferencePx: peer ? diff : null,
      analyseS: +analyseS.toFixed(2),
      crystals: a.crystals.length,
      truthCrystals: c.n,
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const out = { ...hostInfo(), reps, cases: results };
if (json) console.log(JSON.stringify(out, null, 2));
else {
  console.log(`analysis: exact EDT vs scipy.ndimage (best of ${reps}, alternating), whole analysis once; load ${out.loadAverage1m} on ${out.cores} cores`);
  for (const r of results) console.log(`  ${r.label.padEnd(9)} EDT ${r.edtS.toFixed(3)} s (scipy ${r.scipyEdtS?.toFixed(3) ?? '-'} s, ${r.oursOverScipy ?? '-'}× scipy's speed, max diff ${r.maxDifferencePx ?? '-'} px)  analysis ${r.analyseS} s, ${r.crystals}/${r.truthCrystals} crystals`);
}
