/**
 * Parallel (mini-batch) ePIE on the CPU, the twin of the GPU batch path. All positions of
 * a batch see the same object and probe; their updates are accumulated with per-pixel
 * normalisation, so overlapping positions average instead of adding up:
 *   O += α·Σ_j P_j*·Δψ_j / ((1 − γ)·Σ_j|P_j|² + γ·max_j max|P_j|²)   (positions covering the pixel)
 *   P += β·Σ_j shift_{−δ_j}(O_j*·Δψ_j) / ((1 − γ)·Σ_j|O_j|² + γ·Σ_j max|O_j|²)
 * With one position per batch and γ = 1 both are ePIE's steps. The probe is also kept in
 * Fourier space (Q = F P) so each position's subpixel-shifted probe costs one inverse FFT.
 * Work is spread over worker threads: per batch, first over positions, then over object rows.
 */
import { CpuFft2d } from '../fft/index.ts';
import { throwIfAborted } from '../core/progress.ts';
import type { EngineSetup, EngineState, EpieEngine, IterationError } from './engine.ts';
import type { BatchWindow } from './kernels.cpu.ts';
import { clampModulus, Momentum } from './momentum.ts';
import { orthogonalizeModes } from './modes.ts';
import type { IterationPlan } from './order.ts';
import { createRunners, type RunnerHandle } from './worker-pool.ts';

function f32(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n);
}
function f64(n: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n);
}

export class CpuParallelEngine implements EpieEngine {
  readonly gpuBytes = 0;
  readonly gpuResident = false;
  private readonly fft: CpuFft2d;
  private readonly S: Float32Array;

  private constructor(
    private readonly s: EngineSetup,
    private readonly obj: Float32Array,
    private readonly P: Float32Array,
    private readonly Q: Float32Array,
    private readonly o2s: Float64Array[],
    private readonly accs: Float64Array[],
    private readonly accsReal: Float64Array[],
    private readonly runners: RunnerHandle[],
  ) {
    this.fft = new CpuFft2d(s.store.height, s.store.width);
    this.S = new Float32Array(P.length);
    // Refined positions leave whole pixels: keep Q then.
    this.anyShifted = s.refiner !== null || s.scan.dx.some((v) => v !== 0) || s.scan.dy.some((v) => v !== 0);
    this.momentum = s.rule.momentum ? new Momentum(obj) : null;
  }

  /** Whether any position has a subpixel remainder (else Q = F P is never read and not kept up to date). */
  private readonly anyShifted: boolean;
  /** 'mpie' rule: object momentum between batches. */
  private readonly momentum: Momentum | null;
  private sinceMomentum = 0;

  get threads(): number {
    return this.runners.length;
  }

  static async create(s: EngineSetup, threads: number): Promise<CpuParallelEngine> {
    const { height: h, width: w } = s.store;
    const n = h * w;
    const T = Math.max(1, Math.floor(threads));
    const shared = T > 1;
    const B = Math.min(s.batchSize, s.store.maxChunkFrames);
    const obj = f32(s.object.length, shared);
    obj.set(s.object);
    const P = f32(s.probe.length, shared);
    P.set(s.probe);
    const Q = f32(s.probe.length, shared);
    Q.set(s.probe);
    const fft = new CpuFft2d(h, w);
    for (let k = 0; k < s.modes; k++) fft.transform(Q, 'forward', 2 * k * n);
    const num = f32(2 * B * n, shared);
    const pw = f32(B * n, shared);
    const o2s = Array.from({ length: T }, () => f64(n, shared));
    const accs = Array.from({ length: T }, () => f64(2 * s.modes * n, shared));
    const accsReal = Array.from({ length: T }, () => f64(2 * s.modes * n, shared));
    const { ix, iy, dx, dy, objectWidth } = s.scan;
    const inits = accs.map((acc, t) => ({ h, w, K: s.modes, objW: objectWidth, alpha: s.alpha, gamma: s.gamma, obj, P, Q, num, pw, o2: o2s[t], acc, accReal: accsReal[t], ix, iy, dx, dy, posSums: s.refiner?.sums ?? null }));
    const runners = await createRunners(inits, shared);
    const used = runners.length;
    return new CpuParallelEngine(s, obj, P, Q, o2s.slice(0, used), accs.slice(0, used), accsReal.slice(0, used), runners);
  }

  /** After a batch: the rule's object momentum step once `every` positions have been updated. */
  private afterBatch(count: number): void {
    const m = this.s.rule.momentum;
    if (!this.momentum || !m) return;
    this.sinceMomentum += count;
    if (this.sinceMomentum < m.every) return;
    this.sinceMomentum = 0;
    this.momentum.step(this.obj, m.friction, m.feedback, this.s.rule.objectAmplitudeMax);
  }

  async iterate(plan: IterationPlan, updateProbe: boolean, refine = false): Promise<IterationError> {
    const { store, scan, signal } = this.s;
    const T = this.runners.length;
    const h = store.height;
    let residual = 0;
    let intensity = 0;
    for (const visit of plan.visits) {
      const amp = await store.chunk(visit.chunk);
      const base = store.chunkStarts[visit.chunk];
      await Promise.all(this.runners.map((r) => r.setChunk(amp, base)));
      for (const [start, count] of visit.batches) {
        throwIfAborted(signal);
        // Phase 1: positions dealt round-robin to the threads.
        const parts = this.runners.map((_, t) => {
          const m = Math.max(0, Math.ceil((count - t) / T));
          const frames = new Int32Array(m);
          const slots = new Int32Array(m);
          for (let i = 0; i < m; i++) {
            slots[i] = t + i * T;
            frames[i] = visit.frames[start + slots[i]];
          }
          return { frames, slots };
        });
        const results = await Promise.all(this.runners.map((r, t) => r.terms(parts[t].frames, parts[t].slots, updateProbe, refine)));
        const windows: BatchWindow[] = new Array(count);
        let sumMaxO = 0;
        let shifted = 0;
        results.forEach((res, t) => {
          residual += res.residual;
          intensity += res.intensity;
          sumMaxO += res.sumMaxO;
          shifted += res.shifted;
          parts[t].slots.forEach((slot, i) => {
            const j = parts[t].frames[i];
            windows[slot] = { slot, ix: scan.ix[j], iy: scan.iy[j], maxP: res.maxP[i] };
          });
        });
        // Phase 2: the object step, rows of the batch's extent split between threads.
        let top = Infinity;
        let bottom = -Infinity;
        for (const win of windows) {
          top = Math.min(top, win.iy);
          bottom = Math.max(bottom, win.iy + h);
        }
        const band = Math.ceil((bottom - top) / T);
        await Promise.all(this.runners.map((r, t) => r.gather(top + t * band, Math.min(bottom, top + (t + 1) * band), windows)));
        if (updateProbe) this.probeStep(sumMaxO, shifted > 0);
        this.afterBatch(count);
      }
    }
    if (this.s.rule.objectAmplitudeMax !== null) clampModulus(this.obj, this.s.rule.objectAmplitudeMax);
    return { residual, intensity };
  }

  /**
   * P += β·S/((1 − γ)·Σ_j|O_j|² + γ·Σ_j max|O_j|²), S = the summed gradients (real-space sum
   * of whole-pixel positions + F⁻¹ of the shifted-back ones); then Q = F P when anything reads it.
   */
  private probeStep(sumMaxO: number, anyFourier: boolean): void {
    const { modes: K, beta, gamma, store } = this.s;
    const n = store.height * store.width;
    const { P, Q, S, accs, accsReal, o2s, fft } = this;
    if (anyFourier) {
      for (let i = 0; i < S.length; i++) {
        let v = 0;
        for (const a of accs) v += a[i];
        S[i] = v;
      }
      for (let k = 0; k < K; k++) fft.transform(S, 'inverse', 2 * k * n);
    } else {
      S.fill(0);
    }
    for (const a of accsReal) for (let i = 0; i < S.length; i++) S[i] += a[i];
    for (let u = 0; u < n; u++) {
      let o2 = 0;
      for (const a of o2s) o2 += a[u];
      const d = (1 - gamma) * o2 + gamma * sumMaxO;
      if (!(d > 0)) continue;
      const sc = beta / d;
      for (let k = 0; k < K; k++) {
        const p = 2 * (k * n + u);
        P[p] += sc * S[p];
        P[p + 1] += sc * S[p + 1];
      }
    }
    if (this.anyShifted) {
      Q.set(P);
      for (let k = 0; k < K; k++) fft.transform(Q, 'forward', 2 * k * n);
    }
  }

  async orthogonalize(): Promise<void> {
    const { modes: K, store } = this.s;
    const n = store.height * store.width;
    orthogonalizeModes(this.P, K, n);
    this.Q.set(this.P);
    for (let k = 0; k < K; k++) this.fft.transform(this.Q, 'forward', 2 * k * n);
  }

  async read(): Promise<EngineState> {
    return { object: Float32Array.from(this.obj), probe: Float32Array.from(this.P) };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.close()));
  }
}
