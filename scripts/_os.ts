import { fbp, forwardProject, halfTurnAngles, sheppLogan3d, shutdownTomoWorkers, sirt } from '../src/tomo/index.ts';
const n = 48, nA = 60;
const a = halfTurnAngles(nA);
const vol = sheppLogan3d(n, 16);
const p = await forwardProject(vol, a, { backend: 'cpu' });
function rmse(x: Float32Array) { let s = 0, c = 0; for (let z = 0; z < 16; z++) for (let y = 0; y < n; y++) for (let xx = 0; xx < n; xx++) { if ((xx - (n - 1) / 2) ** 2 + (y - (n - 1) / 2) ** 2 >= (0.45 * n) ** 2) continue; const i = (z * n + y) * n + xx; s += (x[i] - vol.data[i]) ** 2; c++; } return Math.sqrt(s / c).toFixed(4); }
for (const S of [1, 5, 10, 20, 60]) {
  const r = [];
  for (const it of [2, 5, 10, 30]) { const s = await sirt(p, a, { backend: 'cpu', iterations: it, min: 0, subsets: S }); r.push(`${it}:${rmse(s.volume.data)} (${s.seconds.toFixed(2)}s)`); }
  console.log('S', S, r.join('  '));
}
await shutdownTomoWorkers();
