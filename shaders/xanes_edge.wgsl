// Edge metrics on the fitted Gaussian sum for the XANES LM kernel (included by
// xanes_fit.wgsl; uses its parameters `p` and JᵀJ blocks). Twin of the metric code in
// src/xanes/edge-metrics.ts.

// Gaussian sum G (mode 0) or its derivative G′ (mode 1) at the current parameters.
fn gauss(x: f32, mode: u32) -> f32 {
  let dx = vec3<f32>(x) - p.c;
  let is = 1.0 / p.s;
  let e = p.a * exp(-0.5 * dx * dx * is * is);
  if (mode == 0u) { return e.x + e.y + e.z; }
  return -dot(e, dx * is * is);
}

fn golden_max(a0: f32, b0: f32, mode: u32) -> f32 {
  var a = a0;
  var b = b0;
  var c = b - (1.0 - GOLD) * (b - a);
  var dd = a + (1.0 - GOLD) * (b - a);
  var fc = gauss(c, mode);
  var fd = gauss(dd, mode);
  for (var it = 0u; it < 40u; it++) {
    if (b - a <= 1e-5) { break; }
    if (fc > fd) {
      b = dd; dd = c; fd = fc;
      c = b - (1.0 - GOLD) * (b - a);
      fc = gauss(c, mode);
    } else {
      a = c; c = dd; fc = fd;
      dd = a + (1.0 - GOLD) * (b - a);
      fd = gauss(dd, mode);
    }
  }
  return 0.5 * (a + b);
}

// Root of G(x) = level in [a, b], G(a) < level <= G(b) (Illinois regula falsi).
fn crossing(a0: f32, b0: f32, level: f32) -> f32 {
  var a = a0;
  var b = b0;
  var fa = gauss(a, 0u) - level;
  var fb = gauss(b, 0u) - level;
  var side = 0;
  var c = a;
  for (var it = 0u; it < 60u; it++) {
    if (fb == fa) { break; }
    c = (a * fb - b * fa) / (fb - fa);
    let fcv = gauss(c, 0u) - level;
    if (abs(fcv) < 1e-7 || b - a < 1e-5) { break; }
    if (fcv * fb > 0.0) {
      b = c; fb = fcv;
      if (side == -1) { fa *= 0.5; }
      side = -1;
    } else {
      a = c; fa = fcv;
      if (side == 1) { fb *= 0.5; }
      side = 1;
    }
  }
  return c;
}

// Where G rises through `level` below the peak (index ipk, position xpk); 3.4e38 if never.
fn rising_crossing(ipk: u32, xpk: f32, level: f32) -> f32 {
  var hi = xpk;
  for (var jj = i32(ipk); jj >= 0; jj--) {
    let j = u32(jj);
    let xj = xv(j);
    if (xj <= xpk) {
      if (gauss(xj, 0u) < level) { return crossing(xj, hi, level); }
      hi = xj;
    }
  }
  return 3.4e38;
}

// Standard error of the half-maximum edge xh (peak xpk); the blocks hold JᵀJ at p.
fn edge_std(xh: f32, xpk: f32, rss: f32) -> f32 {
  let bg = prm.n_par == 11u;
  let s2 = rss / f32(prm.n_fit - prm.n_par);
  let slope = gauss(xh, 1u);
  if (!(slope > 0.0)) { return 3.4e38; }
  // ∂E½/∂p = −(∂G/∂p(E½) − ½ ∂G/∂p(E_pk)) / G′(E½); background entries are 0.
  let is = 1.0 / p.s;
  let uh = (vec3<f32>(xh) - p.c) * is;
  let up = (vec3<f32>(xpk) - p.c) * is;
  let eh = exp(-0.5 * uh * uh);
  let ep = exp(-0.5 * up * up);
  let dA = -(eh - 0.5 * ep) / slope;
  let dC = -(p.a * eh * uh * is - 0.5 * p.a * ep * up * is) / slope;
  let dS = -(p.a * eh * uh * uh * is - 0.5 * p.a * ep * up * up * is) / slope;
  // Drop parameters the data do not constrain (empty Jacobian columns); relative ridge 1e-6.
  var max_diag = max(max(max(mdiag(hAA).x, mdiag(hAA).y), max(mdiag(hAA).z, mdiag(hCC).x)),
                     max(max(mdiag(hCC).y, mdiag(hCC).z), max(max(mdiag(hSS).x, mdiag(hSS).y), mdiag(hSS).z)));
  let dB = vec3<f32>(hBB[0][0], hBB[1][1], 0.0);
  if (bg) { max_diag = max(max_diag, max(dB.x, dB.y)); }
  let t = vec3<f32>(1e-10 * max_diag);
  let mA = select(vec3<f32>(0.0), vec3<f32>(1.0), mdiag(hAA) > t);
  let mC = select(vec3<f32>(0.0), vec3<f32>(1.0), mdiag(hCC) > t);
  let mS = select(vec3<f32>(0.0), vec3<f32>(1.0), mdiag(hSS) > t);
  let mB = select(vec3<f32>(0.0), vec3<f32>(1.0), dB > t);
  let s11 = mask2(hAA, mA, mA) + diag3(mA * 1e-6 * mdiag(hAA) + (1.0 - mA));
  let s22 = mask2(hCC, mC, mC) + diag3(mC * 1e-6 * mdiag(hCC) + (1.0 - mC));
  let s33 = mask2(hSS, mS, mS) + diag3(mS * 1e-6 * mdiag(hSS) + (1.0 - mS));
  let s44 = mask2(pad_b(mat2x3<f32>(vec3<f32>(hBB[0], 0.0), vec3<f32>(hBB[1], 0.0))), mB, mB) + diag3(mB * 1e-6 * dB + (1.0 - mB));
  let ok = block_chol(s11, mask2(hAC, mA, mC), mask2(hAS, mA, mS), s22, mask2(hCS, mC, mS), s33,
                      mask2(pad_b(hAB), mA, mB), mask2(pad_b(hCB), mC, mB), mask2(pad_b(hSB), mS, mB), s44, bg);
  if (!ok) { return 3.4e38; }
  // var = gᵀ(LLᵀ)⁻¹g = |L⁻¹g|²
  let y = block_fwd(dA * mA, dC * mC, dS * mS, vec3<f32>(0.0), bg);
  let v = dot(y.y1, y.y1) + dot(y.y2, y.y2) + dot(y.y3, y.y3) + dot(y.y4, y.y4);
  return sqrt(s2 * v);
}

