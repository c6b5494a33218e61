/**
 * Small synthetic ptychography datasets for tests and benchmarks (the simulator in src/sim
 * makes the physical ones): a smooth random amplitude/phase object, a defocused-pupil probe
 * (one or more incoherent modes), a jittered raster scan at the requested overlap, and
 * far-field patterns |F(P_k(u − δ)·O)|² summed over modes, fftshift-centred like real data,
 * optionally with Poisson noise. Subpixel shifts use the same Fourier ramp as ePIE.
 */
import type { ComplexArray } from '../core/arrays.ts';
import { MemoryFrameSource, objectPixelSizeM } from '../core/frames.ts';
import { CpuFft2d, fftshift2d } from '../fft/index.ts';
import { scanPixels, type ScanPixels } from './geometry.ts';
import { applyRamp, fillRamp } from './kernels.cpu.ts';
import { orthogonalizeModes } from './modes.ts';
import { Rng } from './order.ts';
import { resampleObject } from './resample.ts';

export interface SyntheticOptions {
  /** Pattern size n (n×n). Default 64. */
  n?: number;
  /** Raster points in x and y. Default 10 × 10. */
  scanX?: number;
  scanY?: number;
  /** Linear overlap of neighbouring probe disks, 0..1. Default 0.7. */
  overlap?: number;
  /** Random position jitter, in units of the step. Default 0.2. */
  jitter?: number;
  /** Probe diameter in pixels (defocused pupil). Default n/3. */
  probeDiameterPx?: number;
  /** The true probe [n, n] complex instead of the defocused pupil (a foreign forward model's; one mode). */
  probe?: Float32Array;
  /** Random position errors (pixels, uniform in ±positionErrorPx per axis) added to the positions the source reports (not to the data's). */
  positionErrorPx?: number;
  /** Incoherent probe modes in the data; mode k ≥ 1 carries `modePower` of mode 0's power. Default 1. */
  modes?: number;
  modePower?: number;
  /** Mean total counts per frame for Poisson noise; 0 = noise-free. Default 0. */
  photons?: number;
  /** Object contrast: amplitude range 1 − ampContrast..1, phase ±phaseRad. Defaults 0.4, 0.8. */
  ampContrast?: number;
  phaseRad?: number;
  energyEv?: number;
  detectorDistanceM?: number;
  detectorPixelM?: number;
  validMask?: Uint8Array;
  seed?: number;
  label?: string;
  /** Scan positions (metres) to use instead of the jittered raster (e.g. the same scan at another energy). */
  positionsM?: Float64Array;
  /** Object to image instead of a random one, resampled by position onto this scan's grid (e.g. another energy's truth). */
  objectFrom?: { object: ComplexArray; originM: [number, number]; pixelSizeM: number };
}

export interface SyntheticData {
  source: MemoryFrameSource;
  /** Ground-truth object on the grid reconstructEpie uses for this scan. */
  object: ComplexArray;
  /** Ground-truth probe modes [K, n, n]. */
  probe: ComplexArray;
  scan: ScanPixels;
  pixelSizeM: number;
  /** True positions (x, y) in metres (the source reports them with `positionErrorPx` errors). */
  positionsM: Float64Array;
}

/** A smooth random field in [0, 1] from Gaussian blobs. */
function blobField(h: number, w: number, count: number, rng: Rng, sigmaMin: number, sigmaMax: number): Float64Array {
  const f = new Float64Array(h * w);
  for (let b = 0; b < count; b++) {
    const cx = rng.next() * w;
    const cy = rng.next() * h;
    const s = sigmaMin + (sigmaMax - sigmaMin) * rng.next();
    const a = rng.next() < 0.5 ? -1 : 1;
    const r = Math.ceil(3 * s);
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(h, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, Math.ceil(cx + r)); x++) {
        f[y * w + x] += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
      }
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of f) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (let i = 0; i < f.length; i++) f[i] = hi > lo ? (f[i] - lo) / (hi - lo) : 0;
  return f;
}

/** Probe of a circular pupil with defocus, sized to `diameterPx`, centred at (n/2, n/2). */
export function defocusedPupilProbe(n: number, diameterPx: number, tiltX = 0, tiltY = 0): Float32Array {
  const R = n / 4; // pupil radius in frequency pixels
  // Stationary phase: a quadratic pupil phase c·k² puts frequency k at x = n·c·k/π.
  const c = (Math.PI * diameterPx) / (2 * n * R);
  const spec = new Float32Array(2 * n * n);
  for (let r = 0; r < n; r++) {
    const ky = r < n / 2 ? r : r - n;
    for (let col = 0; col < n; col++) {
      const kx = col < n / 2 ? col : col - n;
      const k2 = kx * kx + ky * ky;
      if (k2 > R * R) continue;
      const ph = c * k2 + tiltX * kx + tiltY * ky;
      spec[2 * (r * n + col)] = Math.cos(ph);
      spec[2 * (r * n + col) + 1] = Math.sin(ph);
    }
  }
  new CpuFft2d(n, n).transform(spec, 'inverse');
  return fftshift2d(spec, 1, n, n);
}

function poisson(lambda: number, rng: Rng): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > l);
  return k - 1;
}

export function makeSyntheticPtycho(opts: SyntheticOptions = {}): SyntheticData {
  const n = opts.n ?? 64;
  const nx = opts.scanX ?? 10;
  const ny = opts.scanY ?? 10;
  const K = opts.modes ?? 1;
  const rng = new Rng(opts.seed ?? 7);
  const diameter = opts.probeDiameterPx ?? n / 3;
  const step = (1 - (opts.overlap ?? 0.7)) * diameter;
  const jitter = opts.jitter ?? 0.2;
  const energyEv = opts.energyEv ?? 8340;
  const distanceM = opts.detectorDistanceM ?? 5;
  const detPixelM = opts.detectorPixelM ?? 75e-6;
  const pixelSizeM = objectPixelSizeM(energyEv, distanceM, detPixelM, n);

  let positionsM = new Float64Array(2 * nx * ny);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const j = y * nx + x;
      positionsM[2 * j] = (x + jitter * (rng.next() - 0.5)) * step * pixelSizeM;
      positionsM[2 * j + 1] = (y + jitter * (rng.next() - 0.5)) * step * pixelSizeM;
    }
  }
  if (opts.positionsM) positionsM = Float64Array.from(opts.positionsM);
  const scan = scanPixels(positionsM, n, pixelSizeM, 'synthetic');
  const H = scan.objectHeight;
  const W = scan.objectWidth;
  const blobs = Math.max(8, Math.round((H * W) / 60));
  const ampF = blobField(H, W, blobs, rng, 1.5, 5);
  const phF = blobField(H, W, blobs, rng, 1.5, 5);
  const ampC = opts.ampContrast ?? 0.4;
  const phR = opts.phaseRad ?? 0.8;
  let obj: Float32Array = new Float32Array(2 * H * W);
  for (let i = 0; i < H * W; i++) {
    const a = 1 - ampC * ampF[i];
    const p = phR * (2 * phF[i] - 1);
    obj[2 * i] = a * Math.cos(p);
    obj[2 * i + 1] = a * Math.sin(p);
  }
  const from = opts.objectFrom;
  if (from) obj = resampleObject(from.object.data, from.object.shape[0], from.object.shape[1], from.originM, from.pixelSizeM, H, W, scan.originM, pixelSizeM);

  const frame = 2 * n * n;
  const probe = new Float32Array(K * frame);
  probe.set(opts.probe ?? defocusedPupilProbe(n, diameter));
  // Extra modes: the probe displaced by n/8 pixels (a pupil tilt 2π/8 per frequency pixel), as source
  // size or vibration would give, then orthogonalised to the first.
  const t = (2 * Math.PI) / 8;
  const tilts = [[t, 0], [0, t], [t, t]];
  for (let k = 1; k < K; k++) {
    const [tx, ty] = tilts[(k - 1) % tilts.length];
    probe.set(defocusedPupilProbe(n, diameter * 1.1, tx, ty), k * frame);
  }
  if (K > 1) {
    orthogonalizeModes(probe, K, n * n);
    const pw = (k: number) => probe.subarray(k * frame, (k + 1) * frame).reduce((s, v) => s + v * v, 0);
    const p0 = pw(0);
    for (let k = 1; k < K; k++) {
      const s = Math.sqrt(((opts.modePower ?? 0.3) * p0) / pw(k));
      for (let i = k * frame; i < (k + 1) * frame; i++) probe[i] *= s;
    }
  }

  const fft = new CpuFft2d(n, n);
  const nFrames = positionsM.length / 2;
  const frames = new Float32Array(nFrames * n * n);
  const shifted = new Float32Array(K * frame);
  const psi = new Float32Array(frame);
  const rx = new Float64Array(2 * n);
  const ry = new Float64Array(2 * n);
  const intensity = new Float32Array(n * n);
  for (let j = 0; j < nFrames; j++) {
    shifted.set(probe);
    for (let k = 0; k < K; k++) fft.transform(shifted, 'forward', k * frame);
    fillRamp(rx, n, scan.dx[j]);
    fillRamp(ry, n, scan.dy[j]);
    applyRamp(shifted, 0, K, n, n, rx, ry, false);
    for (let k = 0; k < K; k++) fft.transform(shifted, 'inverse', k * frame);
    intensity.fill(0);
    for (let k = 0; k < K; k++) {
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          const p = 2 * (k * n * n + r * n + c);
          const o = 2 * ((scan.iy[j] + r) * W + scan.ix[j] + c);
          const pr = shifted[p];
          const pi = shifted[p + 1];
          psi[2 * (r * n + c)] = pr * obj[o] - pi * obj[o + 1];
          psi[2 * (r * n + c) + 1] = pr * obj[o + 1] + pi * obj[o];
        }
      }
      fft.transform(psi, 'forward');
      for (let i = 0; i < n * n; i++) intensity[i] += psi[2 * i] ** 2 + psi[2 * i + 1] ** 2;
    }
    // fftshift: zero frequency to (n/2, n/2), as detectors record it.
    const h2 = n / 2;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) frames[j * n * n + ((r + h2) % n) * n + ((c + h2) % n)] = intensity[r * n + c];
    }
  }
  if (opts.photons && opts.photons > 0) {
    let total = 0;
    for (const v of frames) total += v;
    const scale = (opts.photons * nFrames) / total;
    for (let i = 0; i < frames.length; i++) frames[i] = poisson(frames[i] * scale, rng);
  }
  // Positions as an imperfect stage would report them (the data were made at the true ones).
  const reported = Float64Array.from(positionsM);
  if (opts.positionErrorPx) for (let i = 0; i < reported.length; i++) reported[i] += (2 * rng.next() - 1) * opts.positionErrorPx * pixelSizeM;
  const source = new MemoryFrameSource(
    frames,
    n,
    n,
    { energyEv, detectorDistanceM: distanceM, detectorPixelM: [detPixelM, detPixelM], positionsM: reported },
    opts.validMask,
    opts.label ?? 'synthetic',
  );
  return { source, object: { data: obj, shape: [H, W] }, probe: { data: probe, shape: [K, n, n] }, scan, pixelSizeM, positionsM };
}
