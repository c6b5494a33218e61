// 3×3-block Cholesky for the XANES LM kernel (included by xanes_fit.wgsl): the 9- or
// 11-parameter damped normal equations are factored as 3×3 blocks (amplitudes, centres,
// widths, and the background padded to a 3-block), with constant indices only, so the
// factor lives in registers rather than in dynamically indexed private arrays (which
// software adapters turn into per-lane gathers).

// Block Cholesky factor of the damped system (blocks 1..3: A, c, s; block 4: b0, b1, dummy).
var<private> l11: mat3x3<f32>;
var<private> l21: mat3x3<f32>;
var<private> l31: mat3x3<f32>;
var<private> l41: mat3x3<f32>;
var<private> l22: mat3x3<f32>;
var<private> l32: mat3x3<f32>;
var<private> l42: mat3x3<f32>;
var<private> l33: mat3x3<f32>;
var<private> l43: mat3x3<f32>;
var<private> l44: mat3x3<f32>;

// ---- 3×3 Cholesky building blocks (constant indices only) ----------------------------

struct Chol3 { l: mat3x3<f32>, ok: bool }

// Lower Cholesky factor of a symmetric 3×3 matrix (m[c][r] = element (r, c)).
fn chol3(m: mat3x3<f32>) -> Chol3 {
  let d0 = m[0][0];
  if (!(d0 > 0.0)) { return Chol3(mat3x3<f32>(), false); }
  let l00 = sqrt(d0);
  let l10 = m[0][1] / l00;
  let l20 = m[0][2] / l00;
  let d1 = m[1][1] - l10 * l10;
  if (!(d1 > 0.0)) { return Chol3(mat3x3<f32>(), false); }
  let l11v = sqrt(d1);
  let l21v = (m[1][2] - l20 * l10) / l11v;
  let d2 = m[2][2] - l20 * l20 - l21v * l21v;
  if (!(d2 > 0.0)) { return Chol3(mat3x3<f32>(), false); }
  return Chol3(mat3x3<f32>(vec3<f32>(l00, l10, l20), vec3<f32>(0.0, l11v, l21v), vec3<f32>(0.0, 0.0, sqrt(d2))), true);
}

// L⁻¹ b (forward substitution).
fn fwd3(l: mat3x3<f32>, b: vec3<f32>) -> vec3<f32> {
  let y0 = b.x / l[0][0];
  let y1 = (b.y - l[0][1] * y0) / l[1][1];
  let y2 = (b.z - l[0][2] * y0 - l[1][2] * y1) / l[2][2];
  return vec3<f32>(y0, y1, y2);
}

// L⁻ᵀ y (back substitution).
fn bwd3(l: mat3x3<f32>, y: vec3<f32>) -> vec3<f32> {
  let x2 = y.z / l[2][2];
  let x1 = (y.y - l[1][2] * x2) / l[1][1];
  let x0 = (y.x - l[0][1] * x1 - l[0][2] * x2) / l[0][0];
  return vec3<f32>(x0, x1, x2);
}

// (L⁻¹ B)ᵀ, i.e. B' L⁻ᵀ for the transposed block B' = Bᵀ.
fn rsolve(l: mat3x3<f32>, b: mat3x3<f32>) -> mat3x3<f32> {
  return transpose(mat3x3<f32>(fwd3(l, b[0]), fwd3(l, b[1]), fwd3(l, b[2])));
}

fn diag3(v: vec3<f32>) -> mat3x3<f32> {
  return mat3x3<f32>(vec3<f32>(v.x, 0.0, 0.0), vec3<f32>(0.0, v.y, 0.0), vec3<f32>(0.0, 0.0, v.z));
}

// diag(m) B diag(n): rows scaled by m, columns by n.
fn mask2(b: mat3x3<f32>, m: vec3<f32>, n: vec3<f32>) -> mat3x3<f32> {
  return mat3x3<f32>(b[0] * m * n.x, b[1] * m * n.y, b[2] * m * n.z);
}

fn mdiag(b: mat3x3<f32>) -> vec3<f32> { return vec3<f32>(b[0][0], b[1][1], b[2][2]); }

// The background block as a padded 3×3 block: (b0, b1, dummy), the dummy decoupled with a 1 on the diagonal.
fn pad_b(m: mat2x3<f32>) -> mat3x3<f32> { return mat3x3<f32>(m[0], m[1], vec3<f32>(0.0)); }

// Factors the symmetric block system [[s11 s12 s13 s14] ...] (upper blocks given) into l**.
fn block_chol(s11: mat3x3<f32>, s12: mat3x3<f32>, s13: mat3x3<f32>, s22: mat3x3<f32>, s23: mat3x3<f32>, s33: mat3x3<f32>,
              s14: mat3x3<f32>, s24: mat3x3<f32>, s34: mat3x3<f32>, s44: mat3x3<f32>, bg: bool) -> bool {
  let c1 = chol3(s11);
  if (!c1.ok) { return false; }
  l11 = c1.l;
  l21 = rsolve(l11, s12);
  l31 = rsolve(l11, s13);
  let c2 = chol3(s22 - l21 * transpose(l21));
  if (!c2.ok) { return false; }
  l22 = c2.l;
  l32 = rsolve(l22, s23 - l21 * transpose(l31));
  let c3 = chol3(s33 - l31 * transpose(l31) - l32 * transpose(l32));
  if (!c3.ok) { return false; }
  l33 = c3.l;
  if (bg) {
    l41 = rsolve(l11, s14);
    l42 = rsolve(l22, s24 - l21 * transpose(l41));
    l43 = rsolve(l33, s34 - l31 * transpose(l41) - l32 * transpose(l42));
    let c4 = chol3(s44 - l41 * transpose(l41) - l42 * transpose(l42) - l43 * transpose(l43));
    if (!c4.ok) { return false; }
    l44 = c4.l;
  }
  return true;
}

struct Y4 { y1: vec3<f32>, y2: vec3<f32>, y3: vec3<f32>, y4: vec3<f32> }

// Forward solve L y = g with the block factor.
fn block_fwd(g1: vec3<f32>, g2: vec3<f32>, g3: vec3<f32>, g4: vec3<f32>, bg: bool) -> Y4 {
  let y1 = fwd3(l11, g1);
  let y2 = fwd3(l22, g2 - l21 * y1);
  let y3 = fwd3(l33, g3 - l31 * y1 - l32 * y2);
  var y4 = vec3<f32>(0.0);
  if (bg) { y4 = fwd3(l44, g4 - l41 * y1 - l42 * y2 - l43 * y3); }
  return Y4(y1, y2, y3, y4);
}

// Back solve Lᵀ x = y.
fn block_bwd(y: Y4, bg: bool) -> Y4 {
  var x4 = vec3<f32>(0.0);
  var r3 = y.y3;
  var r2 = y.y2;
  var r1 = y.y1;
  if (bg) {
    x4 = bwd3(l44, y.y4);
    r3 -= transpose(l43) * x4;
    r2 -= transpose(l42) * x4;
    r1 -= transpose(l41) * x4;
  }
  let x3 = bwd3(l33, r3);
  let x2 = bwd3(l22, r2 - transpose(l32) * x3);
  let x1 = bwd3(l11, r1 - transpose(l21) * x2 - transpose(l31) * x3);
  return Y4(x1, x2, x3, x4);
}

