import { fbp, forwardProject, halfTurnAngles, sheppLogan3d, shutdownTomoWorkers, sirt } from '../src/tomo/index.ts';
const n = +(process.argv[2] ?? 48), nA = +(process.argv[3] ?? 60);
const a = halfTurnAngles(nA);
const vol = sheppLogan3d(n, n);
const p = await forwardProject(vol, a, { backend: 'cpu' });
function rmse(x: Float32Array) { let s = 0, c = 0; for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let xx = 0; xx < n; xx++) { if ((xx - (n - 1) / 2) ** 2 + (y - (n - 1) / 2) ** 2 >= (0.45 * n) ** 2) continue; const i = (z * n + y) * n + xx; s += (x[i] - vol.data[i]) ** 2; c++; } return Math.sqrt(s / c).toFixed(4); }
const f = await fbp(p, a, { backend: 'cpu' });
console.log('fbp', rmse(f.volume.data));
for (const f2 of ['shepp-logan', 'hann'] as const) console.log('fbp', f2, rmse((await fbp(p, a, { backend: 'cpu', filter: f2 })).volume.data));
for (const it of [20, 50, 100, 200]) {
  console.log('sirt', it, rmse((await sirt(p, a, { backend: 'cpu', iterations: it, min: 0 })).volume.data), 'fbp+sirt', rmse((await sirt(p, a, { backend: 'cpu', iterations: it, min: 0, initial: f.volume })).volume.data));
}
await shutdownTomoWorkers();
