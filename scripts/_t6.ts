import { alignProjections, fbp, fitSinusoid, forwardProject, halfTurnAngles, makeGeometry, sheppLogan3d, shutdownTomoWorkers, sirt } from '../src/tomo/index.ts';
import { shiftStack } from '../src/register/shift.ts';
import { gaussianRandom, seededRandom } from '../src/register/synthetic.ts';
const n = +(process.argv[2] ?? 48), nA = +(process.argv[3] ?? 60);
const a2 = halfTurnAngles(nA);
const vol = sheppLogan3d(n, n, 0.7);
const ax = (n - 1) / 2 + 2;
const clean = await forwardProject(vol, a2, { backend: 'cpu', centreCol: ax });
const gauss = gaussianRandom(seededRandom(3));
const shifts = Float64Array.from({ length: 2 * nA }, () => 3 * gauss());
const measured = shiftStack(clean, shifts, 'fourier', 0);
function rmse(x: Float32Array) { let s = 0, c = 0; for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let xx = 0; xx < n; xx++) { if ((xx - (n - 1) / 2) ** 2 + (y - (n - 1) / 2) ** 2 >= (0.45 * n) ** 2) continue; const i = (z * n + y) * n + xx; s += (x[i] - vol.data[i]) ** 2; c++; } return Math.sqrt(s / c).toFixed(4); }
const f0 = await fbp(clean, a2, { backend: 'cpu', centreCol: ax });
console.log('perfect fbp', rmse(f0.volume.data), 'fbp+sirt20', rmse((await sirt(clean, a2, { backend: 'cpu', centreCol: ax, iterations: 20, min: 0, initial: f0.volume })).volume.data));
let t = performance.now();
const al = await alignProjections(measured, a2, { backend: 'cpu', min: 0 });
console.log('align', ((performance.now() - t) / 1000).toFixed(2), 's passes', al.passes.length, 'centre', al.centreCol.toFixed(3));
const E = Float64Array.from(shifts, (x, i) => x + al.shifts[i]);
const g = makeGeometry({ anglesDeg: a2, rows: n, cols: n });
const [k, X, Y] = fitSinusoid(g, E, 2, 1);
let my = 0; for (let a = 0; a < nA; a++) my += E[2 * a] / nA;
console.log('gauge k X Y my', k.toFixed(3), X.toFixed(3), Y.toFixed(3), my.toFixed(3), 'axis true+k', (ax + k).toFixed(3));
const undo = (v: Float32Array) => shiftStack({ data: shiftStack({ data: v, shape: [n, n, n] }, Float64Array.from({ length: 2 * n }, (_, i) => (i % 2 ? -X : -Y)), 'fourier', 0).data, shape: [1, n, n * n] }, [-my, 0], 'fourier', 0).data;
console.log('al.volume', rmse(undo(al.volume.data)));
const fa = await fbp(al.aligned, a2, { backend: 'cpu', centreCol: al.centreCol });
console.log('aligned fbp', rmse(undo(fa.volume.data)), 'fbp+sirt20', rmse(undo((await sirt(al.aligned, a2, { backend: 'cpu', centreCol: al.centreCol, iterations: 20, min: 0, initial: fa.volume })).volume.data)));
console.log('al.volume+sirt20', rmse(undo((await sirt(al.aligned, a2, { backend: 'cpu', centreCol: al.centreCol, iterations: 20, min: 0, initial: al.volume })).volume.data)));
// gauge undo cost on the perfect one: shift perfect result by X,Y and back
await shutdownTomoWorkers();
{
  const { sharpnessScan } = await import('../src/tomo/axis.ts');
  const { fbpWith } = await import('../src/tomo/fbp.ts');
  const g2 = makeGeometry({ anglesDeg: a2, rows: n, cols: n, centreCol: al.centreCol });
  const r = await sharpnessScan(g2, al.aligned.data, al.centreCol, (gg, p) => fbpWith(gg, p, { backend: 'cpu' }));
  console.log('scan', r.centreCol.toFixed(3));
  const fa2 = await fbp(al.aligned, a2, { backend: 'cpu', centreCol: r.centreCol });
  console.log('scanned fbp', rmse(undo(fa2.volume.data)), 'fbp+sirt20', rmse(undo((await sirt(al.aligned, a2, { backend: 'cpu', centreCol: r.centreCol, iterations: 20, min: 0, initial: fa2.volume })).volume.data)));
  await shutdownTomoWorkers();
}
