/**
 * Principal-component denoising of the spectra of a volume stack [nE, ...spatial]: each
 * energy's tomogram is reconstructed on its own, so its noise is independent between
 * energies, while the spectra of the material span only a few components (amplitude,
 * edge position, edge shape). Keeping the leading `components` of the covariance of the
 * material's spectra (voxels whose highest-energy attenuation is above a fraction of its
 * 99th percentile) removes the rest of the noise without blurring in space.
 */
import type { RealArray } from '../core/arrays.ts';

/** Eigenvectors (columns of the returned row-major n×n matrix) and eigenvalues of a symmetric matrix, by cyclic Jacobi. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: v };
}

/** Material threshold: `materialFraction` of the 99th percentile (sorted float32 order) of the highest energy's attenuation. */
export function materialThreshold(last: Float32Array, materialFraction: number): number {
  const sorted = Float32Array.from(last).sort();
  return materialFraction * sorted[Math.floor(0.99 * (last.length - 1))];
}

/**
 * Mean and scatter matrix Σ(x − mean)(x − mean)ᵀ of the material's spectra, merged chunk by
 * chunk (Chan, Golub & LeVeque's pairwise update: each chunk's own two-pass mean and scatter,
 * then combined), so a volume read in z slabs gives the whole volume's statistics to
 * rounding without holding it.
 */
export class SpectralStats {
  count = 0;
  readonly mean: Float64Array;
  readonly scatter: Float64Array;
  constructor(readonly nE: number) {
    this.mean = new Float64Array(nE);
    this.scatter = new Float64Array(nE * nE);
  }

  /** Adds the voxels of a chunk [nE, nV] whose highest-energy value is above `threshold`. */
  add(d: Float32Array, nV: number, threshold: number): void {
    const nE = this.nE;
    const last = (nE - 1) * nV;
    const mask: number[] = [];
    for (let v = 0; v < nV; v++) if (d[last + v] > threshold) mask.push(v);
    const n = mask.length;
    if (!n) return;
    const m = new Float64Array(nE);
    for (const v of mask) for (let e = 0; e < nE; e++) m[e] += d[e * nV + v];
    for (let e = 0; e < nE; e++) m[e] /= n;
    const c = new Float64Array(nE * nE);
    const x = new Float64Array(nE);
    for (const v of mask) {
      for (let e = 0; e < nE; e++) x[e] = d[e * nV + v] - m[e];
      for (let i = 0; i < nE; i++) for (let j = i; j < nE; j++) c[i * nE + j] += x[i] * x[j];
    }
    const n0 = this.count;
    const total = n0 + n;
    const delta = Float64Array.from(m, (v, e) => v - this.mean[e]);
    const f = (n0 * n) / total;
    for (let i = 0; i < nE; i++) for (let j = i; j < nE; j++) this.scatter[i * nE + j] += c[i * nE + j] + f * delta[i] * delta[j];
    for (let e = 0; e < nE; e++) this.mean[e] += (delta[e] * n) / total;
    this.count = total;
  }
}

export interface SpectralBasis {
  mean: Float64Array;
  /** The leading eigenvectors, [components][nE]. */
  vectors: Float64Array[];
}

/** The leading `components` principal directions; null when there are too few material voxels (< 2 nE) to trust them. */
export function spectralBasis(stats: SpectralStats, components: number): SpectralBasis | null {
  const nE = stats.nE;
  if (stats.count < 2 * nE) return null;
  const cov = Float64Array.from(stats.scatter);
  for (let i = 0; i < nE; i++) for (let j = 0; j < i; j++) cov[i * nE + j] = cov[j * nE + i];
  const { values, vectors } = symmetricEigen(cov, nE);
  const order = Array.from(values, (_, i) => i).sort((a, b) => values[b] - values[a]).slice(0, components);
  return { mean: Float64Array.from(stats.mean), vectors: order.map((k) => Float64Array.from({ length: nE }, (_, e) => vectors[e * nE + k])) };
}

/** Projects every spectrum of a chunk [nE, nV] onto mean + basis, into `out` (may be `d`: each spectrum is read whole before it is written). */
export function projectSpectra(d: Float32Array, nV: number, basis: SpectralBasis, out: Float32Array): void {
  const nE = basis.mean.length;
  const { mean, vectors } = basis;
  const x = new Float64Array(nE);
  const coef = new Float64Array(vectors.length);
  for (let v = 0; v < nV; v++) {
    for (let e = 0; e < nE; e++) x[e] = d[e * nV + v] - mean[e];
    for (let k = 0; k < vectors.length; k++) {
      let s = 0;
      for (let e = 0; e < nE; e++) s += vectors[k][e] * x[e];
      coef[k] = s;
    }
    for (let e = 0; e < nE; e++) {
      let s = mean[e];
      for (let k = 0; k < vectors.length; k++) s += coef[k] * vectors[k][e];
      out[e * nV + v] = s;
    }
  }
}

/**
 * `inPlace`: overwrite `stack` (a copy the caller no longer needs, e.g. the smoothed stack)
 * instead of allocating another stack-sized array. Each voxel's spectrum is read whole
 * before it is written. The pipeline runs the same steps slab by slab (xanes-slabs.ts).
 */
export function denoiseSpectra(stack: RealArray, components: number, materialFraction = 0.1, inPlace = false): RealArray {
  const nE = stack.shape[0];
  if (!(components > 0) || components >= nE) return stack;
  const nV = stack.data.length / nE;
  const d = stack.data;
  // Material: the highest energy's attenuation above a fraction of its 99th percentile.
  const thr = materialThreshold(d.subarray((nE - 1) * nV, nE * nV), materialFraction);
  const stats = new SpectralStats(nE);
  stats.add(d, nV, thr);
  const basis = spectralBasis(stats, components);
  if (!basis) return stack;
  const out = inPlace ? d : new Float32Array(d.length);
  projectSpectra(d, nV, basis, out);
  return { data: out, shape: [...stack.shape] };
}
