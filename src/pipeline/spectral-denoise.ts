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

/**
 * `inPlace`: overwrite `stack` (a copy the caller no longer needs, e.g. the smoothed stack)
 * instead of allocating another stack-sized array: the XANES stage's peak memory is a few
 * such stacks (plan3d.ts). Each voxel's spectrum is read whole before it is written.
 */
export function denoiseSpectra(stack: RealArray, components: number, materialFraction = 0.1, inPlace = false): RealArray {
  const nE = stack.shape[0];
  if (!(components > 0) || components >= nE) return stack;
  const nV = stack.data.length / nE;
  const d = stack.data;
  // Material: the highest energy's attenuation above a fraction of its 99th percentile.
  const last = d.subarray((nE - 1) * nV, nE * nV);
  const sorted = Float32Array.from(last).sort();
  const thr = materialFraction * sorted[Math.floor(0.99 * (nV - 1))];
  const mask: number[] = [];
  for (let v = 0; v < nV; v++) if (last[v] > thr) mask.push(v);
  if (mask.length < 2 * nE) return stack;
  const mean = new Float64Array(nE);
  for (const v of mask) for (let e = 0; e < nE; e++) mean[e] += d[e * nV + v] / mask.length;
  const cov = new Float64Array(nE * nE);
  const x = new Float64Array(nE);
  for (const v of mask) {
    for (let e = 0; e < nE; e++) x[e] = d[e * nV + v] - mean[e];
    for (let i = 0; i < nE; i++) for (let j = i; j < nE; j++) cov[i * nE + j] += x[i] * x[j];
  }
  for (let i = 0; i < nE; i++) for (let j = 0; j < i; j++) cov[i * nE + j] = cov[j * nE + i];
  const { values, vectors } = symmetricEigen(cov, nE);
  const order = Array.from(values, (_, i) => i).sort((a, b) => values[b] - values[a]).slice(0, components);
  const out = inPlace ? d : new Float32Array(d.length);
  const coef = new Float64Array(components);
  for (let v = 0; v < nV; v++) {
    for (let e = 0; e < nE; e++) x[e] = d[e * nV + v] - mean[e];
    for (let k = 0; k < components; k++) {
      let s = 0;
      for (let e = 0; e < nE; e++) s += vectors[e * nE + order[k]] * x[e];
      coef[k] = s;
    }
    for (let e = 0; e < nE; e++) {
      let s = mean[e];
      for (let k = 0; k < components; k++) s += coef[k] * vectors[e * nE + order[k]];
      out[e * nV + v] = s;
    }
  }
  return { data: out, shape: [...stack.shape] };
}
