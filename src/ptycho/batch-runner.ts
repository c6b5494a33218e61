/**
 * Parallel (mini-batch) mode work for one thread, the CPU twin of the GPU batch kernels.
 * terms(): for each of its positions of a batch, the subpixel-shifted probe
 *   P_j = F⁻¹(ramp_j·Q) from the shared Fourier-space probe Q, exit wave, modulus
 *   constraint, the object-step terms (numerator, denominators) into the shared batch
 *   buffers, and the probe gradient O_j*·Δψ_j shifted back to the probe frame in Fourier
 *   space, summed into this thread's accumulator. The object is only read.
 * gather(): the object step on a band of rows, from all positions of the batch (each
 *   thread owns its rows, so writes never collide).
 * Runs inline or inside a worker thread (epie-worker.ts).
 */
import { CpuFft2d, scrambledWork, type ScrambledWork } from '../fft/index.ts';
import { positionTerms } from './positions.ts';
import { accumulateShiftedBack, batchTerms, exitWave, fillRamp, gatherObjectRows, modulusDelta, rampCopy, type BatchWindow } from './kernels.cpu.ts';

export interface RunnerInit {
  h: number;
  w: number;
  K: number;
  objW: number;
  alpha: number;
  gamma: number;
  /** Shared object [objH, objW] complex. */
  obj: Float32Array;
  /** Shared probe modes [K, h, w]: real space P and Fourier space Q = F P. */
  P: Float32Array;
  Q: Float32Array;
  /** Shared batch buffers: object-step numerators [B, h, w] complex and denominators Σ_k|P_k|² [B, h, w]. */
  num: Float32Array;
  pw: Float32Array;
  /** This thread's Σ_j|O_j|² over its positions of a batch [h, w] (probe step denominator, float64). */
  o2: Float64Array;
  /** This thread's probe-gradient accumulators [K, h, w] complex (float64), read by the coordinator:
   *  Fourier space (positions with a subpixel remainder) and real space (whole-pixel positions). */
  acc: Float64Array;
  accReal: Float64Array;
  ix: Int32Array;
  iy: Int32Array;
  dx: Float64Array;
  dy: Float64Array;
  /** Position refinement sums [numX, denX, numY, denY] per frame (positions.ts), shared; null = no refinement. */
  posSums: Float64Array | null;
}

export interface TermsResult {
  residual: number;
  intensity: number;
  /** max Σ_k|P_k|² per position given (same order). */
  maxP: Float64Array;
  /** Σ_j max|O_j|² over the positions given. */
  sumMaxO: number;
  /** Positions with a subpixel remainder (their probe gradients are in `acc`, Fourier space). */
  shifted: number;
}

export class BatchRunner {
  private amp: Float32Array = new Float32Array(0);
  private base = 0;
  private readonly fft: CpuFft2d;
  private readonly work: ScrambledWork;
  private readonly ps: Float32Array;
  private readonly power: Float64Array;
  private readonly rx: Float64Array;
  private readonly ry: Float64Array;
  private readonly maxOut = new Float64Array(2);
  private readonly errOut = new Float64Array(2);
  private readonly rowNum: Float64Array;
  private readonly rowDen: Float64Array;
  private readonly rowMax: Float64Array;

  constructor(private readonly s: RunnerInit) {
    const n = s.h * s.w;
    this.fft = new CpuFft2d(s.h, s.w);
    this.ps = new Float32Array(2 * s.K * n);
    this.work = scrambledWork(s.h, s.w, s.K);
    this.power = new Float64Array(n);
    this.rx = new Float64Array(2 * s.w);
    this.ry = new Float64Array(2 * s.h);
    this.rowNum = new Float64Array(2 * s.objW);
    this.rowDen = new Float64Array(s.objW);
    this.rowMax = new Float64Array(s.objW);
  }

  /** Amplitudes of the chunk now processed and its first global frame index. */
  setChunk(amp: Float32Array, base: number): void {
    this.amp = amp;
    this.base = base;
  }

  /** Phase 1 for global frames `frames`, writing batch slots `slots`. */
  terms(frames: Int32Array, slots: Int32Array, updateProbe: boolean, refine = false): TermsResult {
    const { h, w, K, objW, obj, P, Q, acc, accReal, o2, ix, iy, dx, dy, num, pw, posSums } = this.s;
    const n = h * w;
    const frame = 2 * n;
    const { fft, work, ps, power, rx, ry, maxOut, errOut } = this;
    const psi = work.buf;
    errOut.fill(0);
    const maxP = new Float64Array(frames.length);
    let sumMaxO = 0;
    let shifted = 0;
    if (updateProbe) {
      acc.fill(0);
      accReal.fill(0);
      o2.fill(0);
    }
    for (let t = 0; t < frames.length; t++) {
      const j = frames[t];
      // Whole-pixel positions need no shift: the probe as is, the gradient summed in real space (two FFTs fewer).
      const whole = dx[j] === 0 && dy[j] === 0;
      const probe = whole ? P : ps;
      if (!whole) {
        fillRamp(rx, w, dx[j]);
        fillRamp(ry, h, dy[j]);
        rampCopy(ps, Q, K, h, w, rx, ry);
        for (let k = 0; k < K; k++) fft.transform(ps, 'inverse', k * frame);
      }
      exitWave(probe, 0, K, h, w, obj, objW, ix[j], iy[j], psi, power, maxOut);
      maxP[t] = maxOut[0];
      sumMaxO += maxOut[1];
      // Fourier space stays bit-reversed (the store's order); 1/n of the unnormalised inverse goes into batchTerms.
      for (let k = 0; k < K; k++) work.forward(k);
      if (K === 1 && work.modulusDelta) work.modulusDelta(0, this.amp, (j - this.base) * n, errOut);
      else modulusDelta(psi, K, n, this.amp, (j - this.base) * n, errOut);
      for (let k = 0; k < K; k++) work.inverse(k);
      if (refine && posSums) positionTerms(probe, 0, K, h, w, obj, objW, ix[j], iy[j], psi, 1 / n, posSums, 4 * j);
      const o2acc = updateProbe ? o2 : null;
      batchTerms(probe, 0, psi, 1 / n, K, h, w, obj, objW, ix[j], iy[j], num, slots[t] * frame, pw, slots[t] * n, o2acc, whole ? accReal : psi, whole);
      if (updateProbe && !whole) {
        for (let k = 0; k < K; k++) work.forward(k);
        accumulateShiftedBack(acc, psi, K, h, w, rx, ry, work.revH, work.revW);
        shifted++;
      }
    }
    return { residual: errOut[0], intensity: errOut[1], maxP, sumMaxO, shifted };
  }

  /** Phase 2: the object step on rows [r0, r1). */
  gather(r0: number, r1: number, windows: BatchWindow[]): void {
    const { h, w, objW, obj, num, pw, alpha, gamma } = this.s;
    gatherObjectRows(obj, objW, r0, r1, windows, h, w, num, pw, alpha, gamma, this.rowNum, this.rowDen, this.rowMax);
  }
}
