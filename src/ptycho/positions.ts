/**
 * Position refinement: every engine (CPU sequential and parallel, GPU) estimates, per
 * position and iteration, the shift s of its probe window that best explains the exit-wave
 * change Δψ = ψ' − ψ to first order (a Gauss–Newton step on the position, the gradient of
 * the object patch; Dwivedi et al., Ultramicroscopy 192, 29, 2018, in its simplest form):
 *
 *   ψ(s) ≈ P·(O + s_x ∂_x O + s_y ∂_y O)  ⇒  s_x = Σ Re[(P ∂_x O)* Δψ] / Σ |P ∂_x O|²  (likewise y)
 *
 * with central differences on the object before the position's update. `PositionRefiner`
 * (the one shared part, as PtyPy's engines inherit theirs from one base class) collects the
 * engines' sums, moves each position by its step (bounded per iteration), removes the mean
 * move (a common shift of all positions is a shift of the object: not measurable), keeps the
 * windows on the object grid, and rewrites the scan's window offsets in place for the next
 * iteration. Refined positions are reported in metres.
 */
import type { ScanPixels } from './geometry.ts';
import type { WaveFrame } from './kernels.cpu.ts';

export interface RefineOptions {
  /** First iteration (0-based) that moves positions (the object must have formed). Default 5. */
  start: number;
  /** Largest move of one position per iteration (pixels). Default 0.5. */
  maxStepPx: number;
  /** Largest total move from the given position (pixels): the object grid's extra border. Default 8. */
  maxShiftPx: number;
  /** Multiplier of the Gauss–Newton step. */
  gain: number;
}

export const DEFAULT_REFINE: RefineOptions = { start: 5, maxStepPx: 0.5, maxShiftPx: 8, gain: 1 };

/**
 * Adds the position terms of one exit wave into `out` [numX, denX, numY, denY]: object patch
 * at (ix, iy), probe modes `probe` (K frames at pOff, already at the position's subpixel
 * remainder), Δψ = scale·dpsi.
 */
export function positionTerms(
  probe: Float32Array, pOff: number, K: number, h: number, w: number,
  obj: Float32Array, objW: number, ix: number, iy: number,
  dpsi: WaveFrame, scale: number, out: Float64Array, oOff: number,
): void {
  const fl = 2 * h * w;
  let nx = 0;
  let dxs = 0;
  let ny = 0;
  let dys = 0;
  const rowF = 2 * objW;
  for (let r = 0; r < h; r++) {
    let o = 2 * ((iy + r) * objW + ix);
    for (let c = 0, p = 2 * r * w; c < w; c++, p += 2, o += 2) {
      const gxr = 0.5 * (obj[o + 2] - obj[o - 2]);
      const gxi = 0.5 * (obj[o + 3] - obj[o - 1]);
      const gyr = 0.5 * (obj[o + rowF] - obj[o - rowF]);
      const gyi = 0.5 * (obj[o + rowF + 1] - obj[o - rowF + 1]);
      for (let k = 0, q = p; k < K; k++, q += fl) {
        const pr = probe[pOff + q];
        const pi = probe[pOff + q + 1];
        const dr = scale * dpsi[q];
        const di = scale * dpsi[q + 1];
        const ar = pr * gxr - pi * gxi;
        const ai = pr * gxi + pi * gxr;
        const br = pr * gyr - pi * gyi;
        const bi = pr * gyi + pi * gyr;
        nx += ar * dr + ai * di;
        dxs += ar * ar + ai * ai;
        ny += br * dr + bi * di;
        dys += br * br + bi * bi;
      }
    }
  }
  out[oOff] += nx;
  out[oOff + 1] += dxs;
  out[oOff + 2] += ny;
  out[oOff + 3] += dys;
}

export class PositionRefiner {
  /** Window top-left, continuous (pixels): t = ix + dx. */
  private readonly tx: Float64Array;
  private readonly ty: Float64Array;
  private readonly x0: Float64Array;
  private readonly y0: Float64Array;
  /** This iteration's sums per position [numX, denX, numY, denY] (shared memory for worker threads). */
  readonly sums: Float64Array;

  constructor(private readonly scan: ScanPixels, private readonly n: number, readonly opts: RefineOptions, shared = false) {
    const count = scan.ix.length;
    this.tx = Float64Array.from({ length: count }, (_, j) => scan.ix[j] + scan.dx[j]);
    this.ty = Float64Array.from({ length: count }, (_, j) => scan.iy[j] + scan.dy[j]);
    this.x0 = Float64Array.from(this.tx);
    this.y0 = Float64Array.from(this.ty);
    this.sums = shared ? new Float64Array(new SharedArrayBuffer(32 * count)) : new Float64Array(4 * count);
  }

  /** Whether iteration `it` (0-based) refines positions. */
  active(it: number): boolean {
    return it >= this.opts.start;
  }

  /** Applies this iteration's steps to the scan (in place) and clears the sums. Returns the rms move (pixels). */
  apply(): number {
    const { scan, sums, tx, ty, x0, y0, n, opts } = this;
    void n;
    const count = tx.length;
    const sx = new Float64Array(count);
    const sy = new Float64Array(count);
    let mx = 0;
    let my = 0;
    const clip = (v: number) => Math.max(-opts.maxStepPx, Math.min(opts.maxStepPx, v));
    for (let j = 0; j < count; j++) {
      sx[j] = sums[4 * j + 1] > 0 ? clip((opts.gain * sums[4 * j]) / sums[4 * j + 1]) : 0;
      sy[j] = sums[4 * j + 3] > 0 ? clip((opts.gain * sums[4 * j + 2]) / sums[4 * j + 3]) : 0;
      mx += sx[j] / count;
      my += sy[j] / count;
    }
    let rms = 0;
    // Windows keep one pixel of object around them (the central differences read it).
    const maxX = scan.objectWidth - n - 1;
    const maxY = scan.objectHeight - n - 1;
    for (let j = 0; j < count; j++) {
      const lim = (v: number, v0: number, hi: number) => Math.max(1, Math.min(hi, Math.max(v0 - opts.maxShiftPx, Math.min(v0 + opts.maxShiftPx, v))));
      const nx = lim(tx[j] + sx[j] - mx, x0[j], maxX);
      const ny = lim(ty[j] + sy[j] - my, y0[j], maxY);
      rms += (nx - tx[j]) ** 2 + (ny - ty[j]) ** 2;
      tx[j] = nx;
      ty[j] = ny;
      scan.ix[j] = Math.round(nx);
      scan.iy[j] = Math.round(ny);
      scan.dx[j] = nx - scan.ix[j];
      scan.dy[j] = ny - scan.iy[j];
    }
    sums.fill(0);
    return Math.sqrt(rms / count);
  }

  /** Moves the window offsets of `scan` into shared memory (worker threads read them after each refinement). */
  static shareScan(scan: ScanPixels): void {
    const sh = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as { new (buf: SharedArrayBuffer): T })(new SharedArrayBuffer(a.byteLength));
      b.set(a as never);
      return b;
    };
    scan.ix = sh(scan.ix);
    scan.iy = sh(scan.iy);
    scan.dx = sh(scan.dx);
    scan.dy = sh(scan.dy);
  }

  /** Refined minus starting positions (x, y) in metres. */
  shiftsM(): Float64Array {
    const { scan, tx, ty, x0, y0 } = this;
    const out = new Float64Array(2 * tx.length);
    for (let j = 0; j < tx.length; j++) {
      out[2 * j] = (tx[j] - x0[j]) * scan.pixelSizeM;
      out[2 * j + 1] = (ty[j] - y0[j]) * scan.pixelSizeM;
    }
    return out;
  }
}
