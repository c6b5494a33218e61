/**
 * 3D registration benchmark: one pair of 64³ volumes (crops of a smooth random texture,
 * σ = 2 voxels, the moving one shifted by a known subpixel shift), registered by
 * registerVolumes (CPU, one thread) and by scikit-image's `phase_cross_correlation`
 * (Debian's python3-skimage, /usr/bin/python3) with the same upsample factor and plain
 * correlation, alternating ours and theirs in one command (the machine is shared).
 * Reports the median wall time per pair of each side and its shift error.
 *
 *   npx tsx scripts/bench-register-volumes.ts [--size 64] [--upsample 20] [--rounds 3] [--reps 3] [--json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostInfo } from './host-info.ts';
import { registerVolumes, shiftVolume, smoothRandomVolume } from '../src/register/index.ts';
import type { RealArray } from '../src/core/arrays.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const json = process.argv.includes('--json');
const size = arg('--size', 64);
const upsampleFactor = arg('--upsample', 20);
const rounds = arg('--rounds', 3);
const reps = arg('--reps', 3);
const applied = [2.3, -1.7, 4.45];

function crop(v: RealArray, n: number): RealArray {
  const [bz, by, bx] = v.shape;
  const [oz, oy, ox] = [(bz - n) >> 1, (by - n) >> 1, (bx - n) >> 1];
  const out = new Float32Array(n * n * n);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) out.set(v.data.subarray(((z + oz) * by + y + oy) * bx + ox, ((z + oz) * by + y + oy) * bx + ox + n), (z * n + y) * n);
  return { data: out, shape: [n, n, n] };
}

const PY = `
import sys, json, time, numpy as np
from skimage.registration import phase_cross_correlation
n, u, reps = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ref = np.fromfile(sys.argv[1], dtype=np.float32).reshape(n, n, n)
mov = np.fromfile(sys.argv[2], dtype=np.float32).reshape(n, n, n)
phase_cross_correlation(ref, mov, upsample_factor=u, normalization=None)
ts = []
c0 = time.process_time()
for _ in range(reps):
    t = time.perf_counter()
    s, e, _ = phase_cross_correlation(ref, mov, upsample_factor=u, normalization=None)
    ts.append(time.perf_counter() - t)
cpu = (time.process_time() - c0) / reps
print(json.dumps({"seconds": sorted(ts)[len(ts) // 2], "cpuSeconds": cpu, "shift": [float(v) for v in s]}))
`;

const maxErr = (s: ArrayLike<number>) => Math.max(...applied.map((a, i) => Math.abs(s[i] + a)));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

async function ours(ref: RealArray, mov: RealArray, overlapPasses: number): Promise<{ seconds: number; cpuSeconds: number; maxErrorVoxel: number }> {
  const ts: number[] = [];
  let err = 0;
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const res = await registerVolumes(ref, mov, { upsampleFactor, overlapPasses, backend: 'cpu' });
    ts.push((performance.now() - t) / 1000);
    err = maxErr(res.shifts);
  }
  const c = process.cpuUsage(c0);
  return { seconds: median(ts), cpuSeconds: (c.user + c.system) / 1e6 / reps, maxErrorVoxel: err };
}

async function main() {
  const big = smoothRandomVolume(size + 32, size + 32, size + 32, 2, 42);
  const ref = crop(big, size);
  const mov = crop(shiftVolume(big, applied[0], applied[1], applied[2]), size);
  const dir = mkdtempSync(join(tmpdir(), 'bench-regvol-'));
  writeFileSync(join(dir, 'ref.f32'), ref.data);
  writeFileSync(join(dir, 'mov.f32'), mov.data);
  writeFileSync(join(dir, 'pcc.py'), PY);
  await registerVolumes(ref, mov, { upsampleFactor, backend: 'cpu' }); // JIT warm-up
  const rows: { round: number; load1m: number; oursOnePass: number; oursDefault: number; skimage: number; cpu: number[]; errors: number[] }[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const load1m = +loadavg()[0].toFixed(2);
      const a = await ours(ref, mov, 0);
      const b = await ours(ref, mov, 2);
      const py = JSON.parse(execFileSync('/usr/bin/python3', [join(dir, 'pcc.py'), join(dir, 'ref.f32'), join(dir, 'mov.f32'), String(size), String(upsampleFactor), String(reps)], { encoding: 'utf8' }));
      rows.push({ round, load1m, oursOnePass: a.seconds, oursDefault: b.seconds, skimage: py.seconds, cpu: [a.cpuSeconds, b.cpuSeconds, py.cpuSeconds], errors: [a.maxErrorVoxel, b.maxErrorVoxel, maxErr(py.shift)] });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out = {
    benchmark: 'register-volumes',
    volume: `${size}^3`,
    upsampleFactor,
    appliedShift: applied,
    ...hostInfo(),
    medianSeconds: { oursOnePass: median(rows.map((r) => r.oursOnePass)), oursDefault: median(rows.map((r) => r.oursDefault)), skimage: median(rows.map((r) => r.skimage)) },
    medianCpuSeconds: { oursOnePass: median(rows.map((r) => r.cpu[0])), oursDefault: median(rows.map((r) => r.cpu[1])), skimage: median(rows.map((r) => r.cpu[2])) },
    maxErrorVoxel: { oursOnePass: rows[0].errors[0], oursDefault: rows[0].errors[1], skimage: rows[0].errors[2] },
    rounds: rows,
  };
  if (json) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  for (const r of rows) console.log(`round ${r.round} (load ${r.load1m}): ours one pass ${(1000 * r.oursOnePass).toFixed(0)} ms, ours default ${(1000 * r.oursDefault).toFixed(0)} ms, scikit-image ${(1000 * r.skimage).toFixed(0)} ms; process CPU ${r.cpu.map((v) => (1000 * v).toFixed(0)).join(' / ')} ms`);
  console.log(`median: ours one pass ${(1000 * out.medianSeconds.oursOnePass).toFixed(0)} ms (err ${out.maxErrorVoxel.oursOnePass.toFixed(3)} voxel), default ${(1000 * out.medianSeconds.oursDefault).toFixed(0)} ms (err ${out.maxErrorVoxel.oursDefault.toFixed(3)}), scikit-image ${(1000 * out.medianSeconds.skimage).toFixed(0)} ms (err ${out.maxErrorVoxel.skimage.toFixed(3)})`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
