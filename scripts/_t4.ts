const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
import { makeGeometry } from '../src/tomo/geometry.ts';
import { forwardSlice, backSlice } from '../src/tomo/project.cpu.ts';
import { halfTurnAngles, sheppLogan3d } from '../src/tomo/synthetic.ts';
const n = 128, nA = 180;
const g = makeGeometry({ anglesDeg: halfTurnAngles(nA), rows: 1, cols: n });
const vol = sheppLogan3d(n, 1).data;
const sino = new Float32Array(nA * n);
const img = new Float32Array(n * n);
for (let r = 0; r < 3; r++) {
  let t = cpu();
  for (let k = 0; k < 10; k++) forwardSlice(g, vol, 0, sino, 0, n);
  const fp = (cpu() - t) / 10;
  t = cpu();
  for (let k = 0; k < 10; k++) backSlice(g, sino, 0, n, img, 0);
  const bp = (cpu() - t) / 10;
  console.log(`fp ${fp.toFixed(2)} ms (${(fp * 1e6 / (nA * n * n)).toFixed(2)} ns/interp)  bp ${bp.toFixed(2)} ms (${(bp * 1e6 / (nA * n * n)).toFixed(2)} ns)`);
}
