/**
 * CPU twins of the ePIE WGSL kernels (shaders/epie_*.wgsl): plain loops over interleaved
 * complex float32, no allocation, shared by the sequential engine and the worker threads.
 * Frames are h×w; K probe modes are stored as K contiguous frames. Exit waves (`psi`, `dpsi`)
 * live in the FFT's work frames (ScrambledWork.buf): float32 inside the WebAssembly SIMD
 * FFT's memory, float64 on the JavaScript fallback.
 */

/** An exit-wave work frame: ScrambledWork.buf. */
export type WaveFrame = Float32Array | Float64Array;

/** e^{−2πi f d / n} per index, f = signed frequency (index < n/2 ? index : index − n). */
export function fillRamp(out: Float64Array, n: number, d: number): void {
  const half = n >> 1;
  const a = (-2 * Math.PI * d) / n;
  for (let i = 0; i < n; i++) {
    const f = i < half ? i : i - n;
    out[2 * i] = Math.cos(a * f);
    out[2 * i + 1] = Math.sin(a * f);
  }
}

/** Multiplies K frames at `off` by rampX(col)·rampY(row) (its conjugate when `conj`). */
export function applyRamp(data: Float32Array, off: number, K: number, h: number, w: number, rx: Float64Array, ry: Float64Array, conj: boolean): void {
  const s = conj ? -1 : 1;
  let p = off;
  for (let k = 0; k < K; k++) {
    for (let r = 0; r < h; r++) {
      const yr = ry[2 * r];
      const yi = s * ry[2 * r + 1];
      for (let c = 0; c < w; c++, p += 2) {
        const xr = rx[2 * c];
        const xi = s * rx[2 * c + 1];
        const er = xr * yr - xi * yi;
        const ei = xr * yi + xi * yr;
        const dr = data[p];
        const di = data[p + 1];
        data[p] = dr * er - di * ei;
        data[p + 1] = dr * ei + di * er;
      }
    }
  }
}

/**
 * ψ_k = P_k · O[iy.., ix..] for K modes; returns max Σ_k|P_k|² and max |O|² over the
 * window in `maxOut` [0], [1]. `power` is an h·w scratch used when K > 1.
 */
export function exitWave(
  probe: Float32Array, pOff: number, K: number, h: number, w: number,
  obj: Float32Array, objW: number, ix: number, iy: number,
  psi: WaveFrame, power: Float64Array, maxOut: Float64Array,
): void {
  const fl = 2 * h * w;
  let maxO = 0;
  let maxP = 0;
  for (let r = 0; r < h; r++) {
    let o = 2 * ((iy + r) * objW + ix);
    let p = 2 * r * w;
    const end = p + 2 * w;
    if (K === 1) {
      for (let q = pOff + p; p < end; p += 2, q += 2, o += 2) {
        const or = obj[o];
        const oi = obj[o + 1];
        const o2 = or * or + oi * oi;
        if (o2 > maxO) maxO = o2;
        const pr = probe[q];
        const pi = probe[q + 1];
        psi[p] = pr * or - pi * oi;
        psi[p + 1] = pr * oi + pi * or;
        const p2 = pr * pr + pi * pi;
        if (p2 > maxP) maxP = p2;
      }
      continue;
    }
    for (let q = pOff + p; p < end; p += 2, q += 2, o += 2) {
      const or = obj[o];
      const oi = obj[o + 1];
      const o2 = or * or + oi * oi;
      if (o2 > maxO) maxO = o2;
      const pr = probe[q];
      const pi = probe[q + 1];
      psi[p] = pr * or - pi * oi;
      psi[p + 1] = pr * oi + pi * or;
      power[p >> 1] = pr * pr + pi * pi;
    }
  }
  for (let k = 1; k < K; k++) {
    for (let r = 0; r < h; r++) {
      let o = 2 * ((iy + r) * objW + ix);
      let p = 2 * r * w;
      for (let c = 0; c < w; c++, o += 2, p += 2) {
        const or = obj[o];
        const oi = obj[o + 1];
        const pr = probe[pOff + k * fl + p];
        const pi = probe[pOff + k * fl + p + 1];
        psi[k * fl + p] = pr * or - pi * oi;
        psi[k * fl + p + 1] = pr * oi + pi * or;
        power[p >> 1] += pr * pr + pi * pi;
      }
    }
  }
  if (K > 1) for (let i = 0; i < h * w; i++) if (power[i] > maxP) maxP = power[i];
  maxOut[0] = maxP;
  maxOut[1] = maxO;
}

/**
 * Fourier modulus constraint on K modes in place: Ψ_k ← Ψ_k·(√I/√Σ|Ψ|² − 1), i.e. the
 * change Ψ' − Ψ (zero on masked pixels, where the model is kept). Adds Σ(|Ψ| − √I)² and
 * Σ I over valid pixels to `errOut` [0], [1].
 */
export function modulusDelta(psi: WaveFrame, K: number, n: number, amp: Float32Array, aOff: number, errOut: Float64Array): void {
  let err = 0;
  let sumI = 0;
  if (K === 1) {
    // Hot path: one fused pass.
    for (let i = 0, p = 0; i < n; i++, p += 2) {
      const a = amp[aOff + i];
      if (a < 0) {
        psi[p] = 0;
        psi[p + 1] = 0;
        continue;
      }
      const re = psi[p];
      const im = psi[p + 1];
      const m = Math.sqrt(re * re + im * im);
      const d = m - a;
      err += d * d;
      sumI += a * a;
      const f = m > 0 ? a / m - 1 : 0;
      psi[p] = re * f;
      psi[p + 1] = im * f;
    }
  } else {
    const fl = 2 * n;
    for (let i = 0; i < n; i++) {
      const a = amp[aOff + i];
      let s = 0;
      for (let k = 0, p = 2 * i; k < K; k++, p += fl) s += psi[p] * psi[p] + psi[p + 1] * psi[p + 1];
      let f = 0;
      if (a >= 0) {
        const m = Math.sqrt(s);
        err += (m - a) * (m - a);
        sumI += a * a;
        f = m > 0 ? a / m - 1 : 0;
      }
      for (let k = 0, p = 2 * i; k < K; k++, p += fl) {
        psi[p] *= f;
        psi[p + 1] *= f;
      }
    }
  }
  errOut[0] += err;
  errOut[1] += sumI;
}

/**
 * ePIE update from Δψ_k (in `dpsi`): O += a·Σ_k P_k*·Δψ_k and, when b > 0,
 * P_k += b·O*·Δψ_k with the object's value before this update. a = α/max Σ|P|²,
 * b = β/max|O|².
 */
export function updateSequential(
  dpsi: WaveFrame, probe: Float32Array, pOff: number, K: number, h: number, w: number,
  obj: Float32Array, objW: number, ix: number, iy: number, a: number, b: number,
): void {
  const fl = 2 * h * w;
  for (let r = 0; r < h; r++) {
    let o = 2 * ((iy + r) * objW + ix);
    let p = 2 * r * w;
    if (K === 1) {
      // Hot path: one mode, probe step hoisted.
      const end = p + 2 * w;
      if (b > 0) {
        for (let q = pOff + p; p < end; p += 2, q += 2, o += 2) {
          const or = obj[o];
          const oi = obj[o + 1];
          const pr = probe[q];
          const pi = probe[q + 1];
          const dr = dpsi[p];
          const di = dpsi[p + 1];
          obj[o] = or + a * (pr * dr + pi * di);
          obj[o + 1] = oi + a * (pr * di - pi * dr);
          probe[q] = pr + b * (or * dr + oi * di);
          probe[q + 1] = pi + b * (or * di - oi * dr);
        }
      } else {
        for (let q = pOff + p; p < end; p += 2, q += 2, o += 2) {
          const pr = probe[q];
          const pi = probe[q + 1];
          const dr = dpsi[p];
          const di = dpsi[p + 1];
          obj[o] += a * (pr * dr + pi * di);
          obj[o + 1] += a * (pr * di - pi * dr);
        }
      }
      continue;
    }
    for (let c = 0; c < w; c++, o += 2, p += 2) {
      const or = obj[o];
      const oi = obj[o + 1];
      let ur = 0;
      let ui = 0;
      for (let k = 0, q = p; k < K; k++, q += fl) {
        const pr = probe[pOff + q];
        const pi = probe[pOff + q + 1];
        const dr = dpsi[q];
        const di = dpsi[q + 1];
        ur += pr * dr + pi * di;
        ui += pr * di - pi * dr;
        if (b > 0) {
          probe[pOff + q] = pr + b * (or * dr + oi * di);
          probe[pOff + q + 1] = pi + b * (or * di - oi * dr);
        }
      }
      obj[o] = or + a * ur;
      obj[o + 1] = oi + a * ui;
    }
  }
}

/**
 * Mini-batch terms of one position, from its shifted probe modes `ps` and Δψ = scale·dpsi:
 * num = Σ_k P_k*·Δψ_k (object step numerator) into `num` at `nOff`, Σ_k|P_k|² into `pw` at
 * `pwOff` (object step denominator), and, when `o2` is given (probe updates), |O|² added
 * into `o2` (probe step denominator) and the probe gradient O*·Δψ_k added into `grad`
 * (`accumulate`, whole-pixel positions: straight into the real-space sum) or written over
 * `dpsi` (subpixel positions, to be shifted back in Fourier space). Reads the object, never writes it.
 */
export function batchTerms(
  ps: Float32Array, pOff: number, dpsi: WaveFrame, scale: number, K: number, h: number, w: number,
  obj: Float32Array, objW: number, ix: number, iy: number,
  num: Float32Array, nOff: number, pw: Float32Array, pwOff: number,
  o2: Float64Array | null, grad: WaveFrame, accumulate: boolean,
): void {
  const fl = 2 * h * w;
  const probe = o2 !== null;
  for (let r = 0; r < h; r++) {
    let o = 2 * ((iy + r) * objW + ix);
    let p = 2 * r * w;
    if (K === 1) {
      // Hot path: one mode, one fused pass.
      const end = p + 2 * w;
      for (; p < end; p += 2, o += 2) {
        const or = obj[o];
        const oi = obj[o + 1];
        const pr = ps[pOff + p];
        const pi = ps[pOff + p + 1];
        const dr = scale * dpsi[p];
        const di = scale * dpsi[p + 1];
        num[nOff + p] = pr * dr + pi * di;
        num[nOff + p + 1] = pr * di - pi * dr;
        pw[pwOff + (p >> 1)] = pr * pr + pi * pi;
        if (!probe) continue;
        o2[p >> 1] += or * or + oi * oi;
        const gr = or * dr + oi * di;
        const gi = or * di - oi * dr;
        if (accumulate) {
          grad[p] += gr;
          grad[p + 1] += gi;
        } else {
          grad[p] = gr;
          grad[p + 1] = gi;
        }
      }
      continue;
    }
    for (let c = 0; c < w; c++, o += 2, p += 2) {
      const or = obj[o];
      const oi = obj[o + 1];
      let ur = 0;
      let ui = 0;
      let pwr = 0;
      for (let k = 0, q = p; k < K; k++, q += fl) {
        const pr = ps[pOff + q];
        const pi = ps[pOff + q + 1];
        const dr = scale * dpsi[q];
        const di = scale * dpsi[q + 1];
        ur += pr * dr + pi * di;
        ui += pr * di - pi * dr;
        pwr += pr * pr + pi * pi;
        if (!probe) continue;
        const gr = or * dr + oi * di;
        const gi = or * di - oi * dr;
        if (accumulate) {
          grad[q] += gr;
          grad[q + 1] += gi;
        } else {
          grad[q] = gr;
          grad[q + 1] = gi;
        }
      }
      num[nOff + p] = ur;
      num[nOff + p + 1] = ui;
      pw[pwOff + (p >> 1)] = pwr;
      if (probe) o2[p >> 1] += or * or + oi * oi;
    }
  }
}

/** Where a batch position's window lies and its exit-wave maxima, for the object gather. */
export interface BatchWindow {
  /** Index of the position within the batch (slot in num/pw). */
  slot: number;
  ix: number;
  iy: number;
  /** max Σ_k|P_k|² of its shifted probe. */
  maxP: number;
}

/**
 * Mini-batch object step on object rows [r0, r1), gathering from every batch position whose
 * window covers each pixel (no two threads write one pixel):
 * O += α·Σ_j num_j / ((1 − γ)·Σ_j pw_j + γ·max_j maxP_j) over the positions j covering it.
 * With one position per pixel and γ = 1 this is ePIE's step. `rowNum` (2w) / `rowDen` / `rowMax` (w) are scratch.
 */
export function gatherObjectRows(
  obj: Float32Array, objW: number, r0: number, r1: number, windows: BatchWindow[], h: number, w: number,
  num: Float32Array, pw: Float32Array, alpha: number, gamma: number,
  rowNum: Float64Array, rowDen: Float64Array, rowMax: Float64Array,
): void {
  const frame = h * w;
  for (let r = r0; r < r1; r++) {
    let lo = objW;
    let hi = 0;
    for (const win of windows) {
      const u = r - win.iy;
      if (u < 0 || u >= h) continue;
      if (lo > hi) {
        rowNum.fill(0);
        rowDen.fill(0);
        rowMax.fill(0);
      }
      lo = Math.min(lo, win.ix);
      hi = Math.max(hi, win.ix + w);
      const base = win.slot * frame + u * w;
      const mp = win.maxP;
      for (let c = 0, x = win.ix, q = 2 * base; c < w; c++, x++, q += 2) {
        rowNum[2 * x] += num[q];
        rowNum[2 * x + 1] += num[q + 1];
        rowDen[x] += pw[base + c];
        if (mp > rowMax[x]) rowMax[x] = mp;
      }
    }
    for (let x = lo; x < hi; x++) {
      const d = (1 - gamma) * rowDen[x] + gamma * rowMax[x];
      if (!(d > 0)) continue;
      const s = alpha / d;
      const o = 2 * (r * objW + x);
      obj[o] += s * rowNum[2 * x];
      obj[o + 1] += s * rowNum[2 * x + 1];
    }
  }
}

/**
 * acc += conj(ramp)·G over K frames (the Fourier-domain shift back of a probe gradient), G
 * in the bit-reversed order of ScrambledFft2d (natural index = revH[row]·w + revW[col]), acc natural.
 */
export function accumulateShiftedBack(acc: Float64Array, G: WaveFrame, K: number, h: number, w: number, rx: Float64Array, ry: Float64Array, revH: Int32Array, revW: Int32Array): void {
  const fl = 2 * h * w;
  let p = 0;
  for (let k = 0; k < K; k++) {
    for (let r = 0; r < h; r++) {
      const rn = revH[r];
      const yr = ry[2 * rn];
      const yi = -ry[2 * rn + 1];
      const rowOff = k * fl + 2 * rn * w;
      for (let c = 0; c < w; c++, p += 2) {
        const cn = revW[c];
        const xr = rx[2 * cn];
        const xi = -rx[2 * cn + 1];
        const er = xr * yr - xi * yi;
        const ei = xr * yi + xi * yr;
        const gr = G[p];
        const gi = G[p + 1];
        const q = rowOff + 2 * cn;
        acc[q] += gr * er - gi * ei;
        acc[q + 1] += gr * ei + gi * er;
      }
    }
  }
}

/** dst[k] = Q[k]·ramp for K frames (shifted probe in Fourier space, before its inverse FFT). */
export function rampCopy(dst: Float32Array, Q: Float32Array, K: number, h: number, w: number, rx: Float64Array, ry: Float64Array): void {
  let p = 0;
  for (let k = 0; k < K; k++) {
    for (let r = 0; r < h; r++) {
      const yr = ry[2 * r];
      const yi = ry[2 * r + 1];
      for (let c = 0; c < w; c++, p += 2) {
        const xr = rx[2 * c];
        const xi = rx[2 * c + 1];
        const er = xr * yr - xi * yi;
        const ei = xr * yi + xi * yr;
        const qr = Q[p];
        const qi = Q[p + 1];
        dst[p] = qr * er - qi * ei;
        dst[p + 1] = qr * ei + qi * er;
      }
    }
  }
}
