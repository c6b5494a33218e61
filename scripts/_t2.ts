import { alignProjections } from '../src/tomo/align.ts';
import { fitSinusoid } from '../src/tomo/axis.ts';
import { makeGeometry } from '../src/tomo/geometry.ts';
import { forwardProject } from '../src/tomo/project.ts';
import { halfTurnAngles, sheppLogan3d } from '../src/tomo/synthetic.ts';
import { shutdownTomoWorkers } from '../src/tomo/threads.ts';
import { shiftStack } from '../src/register/shift.ts';
import { gaussianRandom, seededRandom } from '../src/register/synthetic.ts';
const n = +(process.argv[2] ?? 40), nz = +(process.argv[3] ?? 16), nA = +(process.argv[4] ?? 48), sig = +(process.argv[5] ?? 2);
const angles = halfTurnAngles(nA);
const truth = sheppLogan3d(n, nz, 0.75);
const clean = await forwardProject(truth, angles, { backend: 'cpu' });
const gauss = gaussianRandom(seededRandom(9));
const ts = Float64Array.from({ length: 2 * nA }, () => sig * gauss());
for (const norm of [null, 'phase'] as const) for (const up of [20, 100]) {
  const r = await alignProjections(shiftStack(clean, ts, 'fourier', 0), angles, { backend: 'cpu', min: 0, normalization: norm, upsampleFactor: up });
  const E = Array.from(r.shifts, (v, i) => v + ts[i]);
  const my = E.filter((_, i) => i % 2 === 0).reduce((p, v) => p + v, 0) / nA;
  const ey = Math.sqrt(E.filter((_, i) => i % 2 === 0).reduce((p, v) => p + (v - my) ** 2, 0) / nA);
  const g = makeGeometry({ anglesDeg: angles, rows: nz, cols: n });
  const [k, X, Y] = fitSinusoid(g, E, 2, 1);
  let ex = 0; for (let a = 0; a < nA; a++) ex += (E[2 * a + 1] - k - X * g.table[4 * a] - Y * g.table[4 * a + 1]) ** 2;
  console.log(norm, up, `ex ${Math.sqrt(ex / nA).toFixed(3)} ey ${ey.toFixed(3)} ${r.seconds.toFixed(1)}s conv ${r.converged}`, r.passes.map((p) => `${p.level}:${p.maxUpdatePx.toFixed(3)}/${p.rmsUpdatePx.toFixed(3)}`).join(' '));
}
await shutdownTomoWorkers();
