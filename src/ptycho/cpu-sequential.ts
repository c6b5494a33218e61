/**
 * Sequential ePIE on the CPU (one thread: each position's update depends on the last).
 *
 * Subpixel positions: the probe is kept shifted to the current position's subpixel offset
 * δ ("chain frame"). Moving to the next position shifts it by δ_next − δ_current with one
 * FFT / phase ramp / inverse FFT, and probe updates are applied in that frame — exactly
 * equal to shifting a fixed-frame probe both ways, at half the FFTs. Positions on whole
 * pixels cost no shift at all. The probe is shifted back only when read.
 */
import { CpuFft2d, WasmFft2d, scrambledWork, scrambledWorkOn, wasmFftAvailable, type ScrambledWork } from '../fft/index.ts';
import { throwIfAborted } from '../core/progress.ts';
import type { EngineSetup, EngineState, EpieEngine, IterationError } from './engine.ts';
import { applyRamp, exitWave, fillRamp, modulusDelta, updateSequential } from './kernels.cpu.ts';
import { updateSequentialRpie } from './kernels-rpie.cpu.ts';
import { clampModulus, Momentum } from './momentum.ts';
import { positionTerms } from './positions.ts';
import { orthogonalizeModes } from './modes.ts';
import type { IterationPlan } from './order.ts';

/** Shifts K frames by (dx, dy) pixels: P(u) → P(u − δ). */
export function fourierShift(fft: CpuFft2d, data: Float32Array, K: number, h: number, w: number, dx: number, dy: number, rx: Float64Array, ry: Float64Array): void {
  const frame = 2 * h * w;
  for (let k = 0; k < K; k++) fft.transform(data, 'forward', k * frame);
  fillRamp(rx, w, dx);
  fillRamp(ry, h, dy);
  applyRamp(data, 0, K, h, w, rx, ry, false);
  for (let k = 0; k < K; k++) fft.transform(data, 'inverse', k * frame);
}

/**
 * fourierShift through the non-permuting pair (ScrambledWork) in its work frames (K of them):
 * the same shift at about two thirds of the cost, the ramp applied in bit-reversed order.
 * The hot path's version; `fourierShift` serves reads and tests.
 */
export function fourierShiftScrambled(work: ScrambledWork, data: Float32Array, K: number, h: number, w: number, dx: number, dy: number, rx: Float64Array, ry: Float64Array): void {
  const frame = 2 * h * w;
  fillRamp(rx, w, dx);
  fillRamp(ry, h, dy);
  const { revH, revW, buf: scratch } = work;
  const inv = 1 / (h * w);
  scratch.set(data.subarray(0, K * frame));
  if (work.rampMultiply) {
    // SIMD kernel: the ramp (with the inverse's 1/(h·w)) inside the module.
    for (let k = 0; k < K; k++) {
      work.forward(k);
      work.rampMultiply(k, rx, ry, inv);
      work.inverse(k);
    }
    data.set(scratch.subarray(0, K * frame));
    return;
  }
  for (let k = 0; k < K; k++) {
    work.forward(k);
    for (let r = 0, p = k * frame; r < h; r++) {
      const yr = ry[2 * revH[r]];
      const yi = ry[2 * revH[r] + 1];
      for (let c = 0; c < w; c++, p += 2) {
        const xr = rx[2 * revW[c]];
        const xi = rx[2 * revW[c] + 1];
        const er = xr * yr - xi * yi;
        const ei = xr * yi + xi * yr;
        const dr = scratch[p];
        const di = scratch[p + 1];
        scratch[p] = dr * er - di * ei;
        scratch[p + 1] = dr * ei + di * er;
      }
    }
    work.inverse(k);
  }
  for (let i = 0; i < K * frame; i++) data[i] = inv * scratch[i];
}

export class CpuSequentialEngine implements EpieEngine {
  readonly gpuBytes = 0;
  readonly gpuResident = false;
  readonly threads = 1;
  private readonly obj: Float32Array;
  private readonly probe: Float32Array;
  private readonly work: ScrambledWork;
  /** One mode with WebAssembly SIMD: object, probe and wave live in this plan's memory and the exit wave and update run there too. */
  private readonly kernels: WasmFft2d | null;
  private readonly power: Float64Array;
  private readonly rx: Float64Array;
  private readonly ry: Float64Array;
  private readonly maxOut = new Float64Array(2);
  private readonly errOut = new Float64Array(2);
  private readonly fft: CpuFft2d;
  private curDx = 0;
  private curDy = 0;
  /** 'mpie' rule: object momentum. */
  private readonly momentum: Momentum | null;
  private sinceMomentum = 0;

  constructor(private readonly s: EngineSetup) {
    const { height: h, width: w } = s.store;
    if (s.modes === 1 && wasmFftAvailable()) {
      this.kernels = new WasmFft2d(h, w, 1, [s.object.length, s.probe.length]);
      this.obj = this.kernels.extra(0);
      this.obj.set(s.object);
      this.probe = this.kernels.extra(1);
      this.probe.set(s.probe);
      this.work = scrambledWorkOn(this.kernels);
    } else {
      this.kernels = null;
      this.obj = Float32Array.from(s.object);
      this.probe = Float32Array.from(s.probe);
      this.work = scrambledWork(h, w, s.modes);
    }
    this.power = new Float64Array(h * w);
    this.rx = new Float64Array(2 * w);
    this.ry = new Float64Array(2 * h);
    this.fft = new CpuFft2d(h, w);
    this.momentum = s.rule.momentum ? new Momentum(this.obj) : null;
  }

  async iterate(plan: IterationPlan, updateProbe: boolean, refine = false): Promise<IterationError> {
    const { store, scan, modes: K, alpha, beta, signal, rule, refiner } = this.s;
    const h = store.height;
    const w = store.width;
    const n = h * w;
    const frame = 2 * n;
    const { obj, probe, power, maxOut, errOut, work, kernels } = this;
    const psi = work.buf;
    const objW = scan.objectWidth;
    errOut.fill(0);
    for (const visit of plan.visits) {
      const amp = await store.chunk(visit.chunk);
      const base = store.chunkStarts[visit.chunk];
      for (let t = 0; t < visit.frames.length; t++) {
        if ((t & 63) === 63) throwIfAborted(signal);
        const j = visit.frames[t];
        const ddx = scan.dx[j] - this.curDx;
        const ddy = scan.dy[j] - this.curDy;
        if (ddx !== 0 || ddy !== 0) {
          fourierShiftScrambled(work, probe, K, h, w, ddx, ddy, this.rx, this.ry);
          this.curDx = scan.dx[j];
          this.curDy = scan.dy[j];
        }
        if (kernels) kernels.exitWave(probe, obj, objW, scan.ix[j], scan.iy[j], 0, maxOut);
        else exitWave(probe, 0, K, h, w, obj, objW, scan.ix[j], scan.iy[j], psi, power, maxOut);
        // Fourier space stays bit-reversed (the store's order); the unnormalised inverse's n is folded into a, b.
        for (let k = 0; k < K; k++) work.forward(k);
        if (K === 1 && work.modulusDelta) work.modulusDelta(0, amp, (j - base) * n, errOut);
        else modulusDelta(psi, K, n, amp, (j - base) * n, errOut);
        for (let k = 0; k < K; k++) work.inverse(k);
        if (refine && refiner) positionTerms(probe, 0, K, h, w, obj, objW, scan.ix[j], scan.iy[j], psi, 1 / n, refiner.sums, 4 * j);
        if (kernels && maxOut[0] > 0) {
          // ePIE is the rPIE step with γ = 1: a/maxP and b/maxO.
          const b = updateProbe && maxOut[1] > 0 ? beta / n : 0;
          kernels.updateRpie(0, probe, obj, objW, scan.ix[j], scan.iy[j], alpha / n, rule.objectGamma, maxOut[0], b, rule.probeGamma, maxOut[1]);
        } else if (rule.objectGamma === 1 && rule.probeGamma === 1) {
          const a = maxOut[0] > 0 ? alpha / (n * maxOut[0]) : 0;
          const b = updateProbe && maxOut[1] > 0 ? beta / (n * maxOut[1]) : 0;
          updateSequential(psi, probe, 0, K, h, w, obj, objW, scan.ix[j], scan.iy[j], a, b);
        } else if (maxOut[0] > 0) {
          const b = updateProbe && maxOut[1] > 0 ? beta / n : 0;
          updateSequentialRpie(psi, probe, K, h, w, obj, objW, scan.ix[j], scan.iy[j], alpha / n, rule.objectGamma, maxOut[0], b, rule.probeGamma, maxOut[1]);
        }
        if (this.momentum && rule.momentum && ++this.sinceMomentum >= rule.momentum.every) {
          this.sinceMomentum = 0;
          this.momentum.step(obj, rule.momentum.friction, rule.momentum.feedback, rule.objectAmplitudeMax);
        }
      }
    }
    if (rule.objectAmplitudeMax !== null) clampModulus(obj, rule.objectAmplitudeMax);
    return { residual: errOut[0], intensity: errOut[1] };
  }

  async orthogonalize(): Promise<void> {
    // Shifting all modes by the same δ is unitary, so orthogonalising in the chain frame is exact.
    orthogonalizeModes(this.probe, this.s.modes, this.s.store.height * this.s.store.width);
  }

  private readProbe(): Float32Array {
    const { height: h, width: w } = this.s.store;
    const probe = Float32Array.from(this.probe);
    if (this.curDx !== 0 || this.curDy !== 0) fourierShift(this.fft, probe, this.s.modes, h, w, -this.curDx, -this.curDy, this.rx, this.ry);
    return probe;
  }

  async read(): Promise<EngineState> {
    return { object: Float32Array.from(this.obj), probe: this.readProbe() };
  }

  dispose(): void {}
}
