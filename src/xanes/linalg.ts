/** Small dense SPD solves for the LM fit (CPU). */

/** In-place Cholesky (lower triangle) of a P×P SPD matrix; false if not positive definite. */
export function cholesky(a: Float64Array, P: number): boolean {
  for (let j = 0; j < P; j++) {
    let s = a[j * P + j];
    for (let k = 0; k < j; k++) s -= a[j * P + k] * a[j * P + k];
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * P + j] = l;
    for (let i = j + 1; i < P; i++) {
      let t = a[i * P + j];
      for (let k = 0; k < j; k++) t -= a[i * P + k] * a[j * P + k];
      a[i * P + j] = t / l;
    }
  }
  return true;
}

/** Solves LLᵀx = b in place with the factor from `cholesky`. */
export function cholSolve(l: Float64Array, P: number, b: Float64Array): void {
  for (let i = 0; i < P; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * P + k] * b[k];
    b[i] = s / l[i * P + i];
  }
  for (let i = P - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < P; k++) s -= l[k * P + i] * b[k];
    b[i] = s / l[i * P + i];
  }
}
