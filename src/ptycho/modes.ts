/**
 * Mixed-state probe modes (Thibault & Menzel 2013): K incoherent modes whose intensities
 * add in the detector. They are kept orthogonal by diagonalising the K×K Gram matrix
 * A_ab = ⟨P_a|P_b⟩ = V Λ Vᴴ and mixing P'_k = Σ_j V_jk P_j. V is unitary, so the density
 * Σ_k|P_k|² (all the data constrains) is unchanged; modes come out sorted by power.
 * The same Jacobi eigensolver runs in WGSL (shaders/epie_modes.wgsl) for the GPU path.
 */
import { Rng } from './order.ts';

/** Largest K the GPU kernels support (register arrays are sized to it). */
export const MAX_PROBE_MODES = 8;

/**
 * Eigenvectors of a K×K Hermitian matrix (interleaved complex, row-major), columns
 * sorted by decreasing eigenvalue, by cyclic complex Jacobi rotations.
 */
export function hermitianEigen(a: Float64Array, K: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(2 * K * K);
  for (let i = 0; i < K; i++) V[2 * (i * K + i)] = 1;
  for (let sweep = 0; sweep < 30; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < K; p++) {
      diag += A[2 * (p * K + p)] ** 2;
      for (let q = p + 1; q < K; q++) off += A[2 * (p * K + q)] ** 2 + A[2 * (p * K + q) + 1] ** 2;
    }
    if (off <= 1e-24 * diag || off === 0) break;
    for (let p = 0; p < K; p++) {
      for (let q = p + 1; q < K; q++) jacobiRotate(A, V, K, p, q);
    }
  }
  const values = new Float64Array(K);
  for (let i = 0; i < K; i++) values[i] = A[2 * (i * K + i)];
  const order = Array.from({ length: K }, (_, i) => i).sort((x, y) => values[y] - values[x]);
  const vectors = new Float64Array(2 * K * K);
  const sorted = new Float64Array(K);
  order.forEach((src, dst) => {
    sorted[dst] = values[src];
    for (let r = 0; r < K; r++) {
      vectors[2 * (r * K + dst)] = V[2 * (r * K + src)];
      vectors[2 * (r * K + dst) + 1] = V[2 * (r * K + src) + 1];
    }
  });
  return { values: sorted, vectors };
}

/** One rotation zeroing A[p][q]: U = diag(1, e^{−iφ})·[[c, s], [−s, c]] on rows/columns p, q. */
function jacobiRotate(A: Float64Array, V: Float64Array, K: number, p: number, q: number): void {
  const br = A[2 * (p * K + q)];
  const bi = A[2 * (p * K + q) + 1];
  const beta = Math.hypot(br, bi);
  if (beta < 1e-300) return;
  const app = A[2 * (p * K + p)];
  const aqq = A[2 * (q * K + q)];
  const theta = 0.5 * Math.atan2(2 * beta, aqq - app);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const er = br / beta; // e^{iφ}
  const ei = bi / beta;
  // U entries: Upp = c, Upq = s, Uqp = −s·e^{−iφ}, Uqq = c·e^{−iφ}
  const Upp = [c, 0];
  const Upq = [s, 0];
  const Uqp = [-s * er, s * ei];
  const Uqq = [c * er, -c * ei];
  const mul = (xr: number, xi: number, u: number[]) => [xr * u[0] - xi * u[1], xr * u[1] + xi * u[0]];
  // A ← A·U (columns p, q), V ← V·U
  for (const M of [A, V]) {
    for (let k = 0; k < K; k++) {
      const kp = 2 * (k * K + p);
      const kq = 2 * (k * K + q);
      const x = [M[kp], M[kp + 1]];
      const y = [M[kq], M[kq + 1]];
      const a1 = mul(x[0], x[1], Upp);
      const a2 = mul(y[0], y[1], Uqp);
      const b1 = mul(x[0], x[1], Upq);
      const b2 = mul(y[0], y[1], Uqq);
      M[kp] = a1[0] + a2[0];
      M[kp + 1] = a1[1] + a2[1];
      M[kq] = b1[0] + b2[0];
      M[kq + 1] = b1[1] + b2[1];
    }
  }
  // A ← Uᴴ·A (rows p, q)
  const cj = (u: number[]) => [u[0], -u[1]];
  for (let k = 0; k < K; k++) {
    const pk = 2 * (p * K + k);
    const qk = 2 * (q * K + k);
    const x = [A[pk], A[pk + 1]];
    const y = [A[qk], A[qk + 1]];
    const a1 = mul(x[0], x[1], cj(Upp));
    const a2 = mul(y[0], y[1], cj(Uqp));
    const b1 = mul(x[0], x[1], cj(Upq));
    const b2 = mul(y[0], y[1], cj(Uqq));
    A[pk] = a1[0] + a2[0];
    A[pk + 1] = a1[1] + a2[1];
    A[qk] = b1[0] + b2[0];
    A[qk + 1] = b1[1] + b2[1];
  }
}

/** Gram matrix ⟨P_a|P_b⟩ = Σ conj(P_a)·P_b of K frames of `frame` complex values each. */
export function gramMatrix(modes: Float32Array, K: number, frame: number): Float64Array {
  const A = new Float64Array(2 * K * K);
  for (let a = 0; a < K; a++) {
    for (let b = a; b < K; b++) {
      let re = 0;
      let im = 0;
      const pa = 2 * a * frame;
      const pb = 2 * b * frame;
      for (let i = 0; i < 2 * frame; i += 2) {
        const xr = modes[pa + i];
        const xi = modes[pa + i + 1];
        const yr = modes[pb + i];
        const yi = modes[pb + i + 1];
        re += xr * yr + xi * yi;
        im += xr * yi - xi * yr;
      }
      A[2 * (a * K + b)] = re;
      A[2 * (a * K + b) + 1] = im;
      A[2 * (b * K + a)] = re;
      A[2 * (b * K + a) + 1] = -im;
    }
  }
  return A;
}

/** Orthogonalises K modes in place (a no-op for K = 1); returns the mode powers. */
export function orthogonalizeModes(modes: Float32Array, K: number, frame: number): Float64Array {
  if (K <= 1) return Float64Array.of(gramMatrix(modes, 1, frame)[0]);
  const { values, vectors } = hermitianEigen(gramMatrix(modes, K, frame), K);
  const tmp = new Float64Array(2 * K);
  for (let i = 0; i < frame; i++) {
    tmp.fill(0);
    for (let j = 0; j < K; j++) {
      const pr = modes[2 * (j * frame + i)];
      const pi = modes[2 * (j * frame + i) + 1];
      for (let k = 0; k < K; k++) {
        const vr = vectors[2 * (j * K + k)];
        const vi = vectors[2 * (j * K + k) + 1];
        tmp[2 * k] += pr * vr - pi * vi;
        tmp[2 * k + 1] += pr * vi + pi * vr;
      }
    }
    for (let k = 0; k < K; k++) {
      modes[2 * (k * frame + i)] = tmp[2 * k];
      modes[2 * (k * frame + i) + 1] = tmp[2 * k + 1];
    }
  }
  return values;
}

/**
 * K initial modes from one: mode 0 is `probe`; mode k ≥ 1 is the probe times a one-cycle
 * phase ramp in a distinct direction with a random phase (seeded), at a few percent of the
 * power, then all are orthogonalised and scaled so the total power equals the input's.
 */
export function seedModes(probe: Float32Array, K: number, h: number, w: number, seed: number): Float32Array {
  const frame = h * w;
  const out = new Float32Array(2 * K * frame);
  out.set(probe.subarray(0, 2 * frame));
  if (K === 1) return out;
  const rng = new Rng(seed ^ 0x5bd1e995);
  const dirs = [[1, 0], [0, 1], [1, 1], [1, -1], [2, 0], [0, 2], [2, 1], [1, 2]];
  for (let k = 1; k < K; k++) {
    const [fx, fy] = dirs[(k - 1) % dirs.length];
    const phase0 = 2 * Math.PI * rng.next();
    const amp = Math.sqrt(0.05 / k);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const ph = phase0 + 2 * Math.PI * ((fx * c) / w + (fy * r) / h);
        const i = r * w + c;
        const pr = probe[2 * i];
        const pi = probe[2 * i + 1];
        const er = amp * Math.cos(ph);
        const ei = amp * Math.sin(ph);
        out[2 * (k * frame + i)] = pr * er - pi * ei;
        out[2 * (k * frame + i) + 1] = pr * ei + pi * er;
      }
    }
  }
  let before = 0;
  for (let i = 0; i < 2 * frame; i++) before += probe[i] * probe[i];
  orthogonalizeModes(out, K, frame);
  let after = 0;
  for (let i = 0; i < out.length; i++) after += out[i] * out[i];
  const s = after > 0 ? Math.sqrt(before / after) : 1;
  for (let i = 0; i < out.length; i++) out[i] *= s;
  return out;
}
