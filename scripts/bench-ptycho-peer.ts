/**
 * ptyxanes vs PtyPy's numpy EPIE on the shared case (../shared/peers/ptypy_case.py: PtyPy's
 * MoonFlower forward model, 161 frames of 128², Poisson noise), each tool as its own process,
 * run back to back and alternating (A B A B) so both see the same machine load:
 * seconds per iteration from the difference of a 1-iteration and an N-iteration run (start-up
 * apart), peak RSS (/usr/bin/time), object NRMSE from score_object.py.
 * Used by scripts/bench-ptycho.ts when PTYPY_PATH points at a PtyPy checkout (its `ptypy/`).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

export interface PeerOptions {
  ptypyPath: string;
  /** Folder with ptypy_case.py and score_object.py. */
  peersDir: string;
  workDir: string;
  iterations: number;
  rounds: number;
  /** Extra ptycho-case.ts argument lists, one ptyxanes variant each (e.g. ['--mode', 'parallel']). */
  /** raw: read the case from the JSON + float32 copy instead of the CXI (no h5wasm). */
  variants: { name: string; args: string[]; raw?: boolean }[];
  /** Pin PtyPy and the one-thread ptyxanes variants to this CPU (taskset), so neither gets a second core. */
  pinCpu?: number;
  log: (s: string) => void;
}

interface Run {
  wallS: number;
  /** User + system CPU time of the process. */
  cpuS: number;
  peakRssMB: number;
  stdout: string;
}

function parseTime(stdout: string, stderr: string): Run {
  const m = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr + stdout);
  if (!m) throw new Error(`no timing in output: ${stdout.slice(-400)}`);
  return { wallS: Number(m[1]), peakRssMB: Number(m[2]) / 1024, cpuS: Number(m[3]) + Number(m[4]), stdout };
}

export async function peerComparison(o: PeerOptions): Promise<Record<string, unknown>> {
  const { spawnSync } = await import('node:child_process');
  const exec = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, pin = false): Run => {
    const pinned = pin && o.pinCpu !== undefined ? ['taskset', '-c', String(o.pinCpu)] : [];
    const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M %U %S', ...pinned, cmd, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(-600)}`);
    return parseTime(r.stdout, r.stderr);
  };
  mkdirSync(o.workDir, { recursive: true });
  const py = '/usr/bin/python3';
  const pyEnv = { ...process.env, PYTHONPATH: o.ptypyPath };
  const casePath = join(o.workDir, 'case.cxi');
  if (!existsSync(casePath)) exec(py, [join(o.peersDir, 'ptypy_case.py'), 'make', casePath], pyEnv);
  const truth = `${casePath}.truth.npz`;
  // The same case as raw float32 frames + JSON geometry (probe positions as stored), so one
  // ptyxanes variant can run without h5wasm (whose import under tsx costs ~600 MB RSS).
  const rawPath = join(o.workDir, 'case.json');
  if (!existsSync(rawPath)) {
    const script = [
      'import sys, json, h5py, numpy as np',
      'h = h5py.File(sys.argv[1], "r"); e = h["entry_1"]',
      'd = e["data_1/data"][...].astype("<f4"); d.tofile(sys.argv[2] + ".f32")',
      'tr = e["sample_1/geometry_1/translation"][...]',
      'ev = float(e["instrument_1/source_1/energy"][()]) / 1.602176634e-19',
      'det = e["instrument_1/detector_1"]',
      'json.dump({"height": d.shape[1], "width": d.shape[2], "energyEv": ev, "detectorDistanceM": float(det["distance"][()]),',
      '  "detectorPixelM": [float(det["x_pixel_size"][()]), float(det["y_pixel_size"][()])],',
      '  "positionsM": [float(v) for p in tr for v in p[:2]]}, open(sys.argv[2], "w"))',
    ].join('\n');
    exec(py, ['-c', script, casePath, rawPath], pyEnv);
  }
  const score = (npz: string) => {
    const r = spawnSync(py, [join(o.peersDir, 'score_object.py'), truth, npz], { env: pyEnv, encoding: 'utf8' });
    const m = /NRMSE ([\d.]+)/.exec(r.stdout);
    return m ? Number(m[1]) : NaN;
  };
  const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
  const oneThread = (args: string[]) => !args.includes('parallel') || args[args.indexOf('--threads') + 1] === '1';
  const ours = (v: { args: string[]; raw?: boolean }, it: number, out: string) => exec(tsx, ['scripts/ptycho-case.ts', v.raw ? rawPath : casePath, out, '--iterations', String(it), ...v.args], process.env, oneThread(v.args));
  const peer = (it: number, out: string) => exec(py, [join(o.peersDir, 'ptypy_case.py'), 'peer', out, String(it)], pyEnv, true);
  const N = o.iterations;
  const rows: Record<string, { one: Run[]; many: Run[]; nrmse: number[]; internal: number[] }> = {};
  const add = (name: string) => (rows[name] ??= { one: [], many: [], nrmse: [], internal: [] });
  const loads: number[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const jobs: [string, () => void][] = [
      ['PtyPy EPIE', () => {
        const r = add('PtyPy EPIE');
        r.one.push(peer(1, join(o.workDir, 'ptypy1.npz')));
        const out = join(o.workDir, 'ptypy.npz');
        r.many.push(peer(N, out));
        r.nrmse.push(score(out));
      }],
      ...o.variants.map((v): [string, () => void] => [v.name, () => {
        const r = add(v.name);
        r.one.push(ours(v, 1, join(o.workDir, 'ours1.npz')));
        const out = join(o.workDir, `ours-${v.name.replace(/\W+/g, '_')}.npz`);
        const run = ours(v, N, out);
        r.many.push(run);
        r.internal.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!).sPerIteration);
        r.nrmse.push(score(out));
      }]),
    ];
    // Alternate which tool goes first from round to round.
    if (round % 2) jobs.reverse();
    for (const [, job] of jobs) {
      loads.push(loadavg()[0]);
      job();
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const table: Record<string, unknown>[] = [];
  for (const [name, r] of Object.entries(rows)) {
    const per = r.many.map((m, i) => (m.wallS - r.one[i].wallS) / (N - 1));
    const perCpu = r.many.map((m, i) => (m.cpuS - r.one[i].cpuS) / (N - 1));
    table.push({
      tool: name,
      sPerIteration: median(per),
      cpuSPerIteration: median(perCpu),
      oneIterationRunCpuS: median(r.one.map((x) => x.cpuS)),
      oneIterationRunPeakRssMB: Math.max(...r.one.map((x) => x.peakRssMB)),
      sPerIterationInternal: r.internal.length ? median(r.internal) : undefined,
      oneIterationRunS: median(r.one.map((x) => x.wallS)),
      peakRssMB: Math.max(...r.many.map((x) => x.peakRssMB)),
      nrmse: median(r.nrmse),
    });
  }
  const ref = table.find((t) => t.tool === 'PtyPy EPIE')!;
  for (const t of table) {
    t.speedupVsPtyPy = (ref.sPerIteration as number) / (t.sPerIteration as number);
    t.cpuSpeedupVsPtyPy = (ref.cpuSPerIteration as number) / (t.cpuSPerIteration as number);
    t.memoryVsPtyPy = (t.peakRssMB as number) / (ref.peakRssMB as number);
    o.log(`  ${String(t.tool).padEnd(34)} ${(t.sPerIteration as number).toFixed(3)} s/iteration${t.sPerIterationInternal !== undefined ? ` (in-process ${(t.sPerIterationInternal as number).toFixed(3)})` : ''}, ×${(t.speedupVsPtyPy as number).toFixed(2)} PtyPy; CPU ${(t.cpuSPerIteration as number).toFixed(3)} s/iteration, ×${(t.cpuSpeedupVsPtyPy as number).toFixed(2)}; 1-iteration run ${(t.oneIterationRunS as number).toFixed(2)} s (CPU ${(t.oneIterationRunCpuS as number).toFixed(2)} s, peak ${(t.oneIterationRunPeakRssMB as number).toFixed(0)} MB), peak ${(t.peakRssMB as number).toFixed(0)} MB (×${(t.memoryVsPtyPy as number).toFixed(2)}), NRMSE ${(t.nrmse as number).toFixed(3)}`);
  }
  o.log(`  load average during the runs: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (2 cores)`);
  return { iterations: N, rounds: o.rounds, loadAverage: [Math.min(...loads), Math.max(...loads)], table, date: new Date().toISOString(), case: readFileSync(casePath).byteLength };
}
