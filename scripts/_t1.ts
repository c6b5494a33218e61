import { sirt } from '../src/tomo/sirt.ts';
import { forwardProject } from '../src/tomo/project.ts';
import { halfTurnAngles, sheppLogan3d } from '../src/tomo/synthetic.ts';
import { shutdownTomoWorkers } from '../src/tomo/threads.ts';
const n = 128; const a = halfTurnAngles(180);
const truth = sheppLogan3d(n, n);
let t = performance.now();
const p = await forwardProject(truth, a, { backend: 'cpu' });
console.log('fp', (performance.now() - t) / 1000);
for (const it of [1, 3]) { t = performance.now(); await sirt(p, a, { backend: 'cpu', iterations: it }); console.log('sirt', it, (performance.now() - t) / 1000); }
await shutdownTomoWorkers();
