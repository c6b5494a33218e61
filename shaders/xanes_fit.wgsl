// Per-pixel Ni K-edge fit: one spectrum per invocation, no barriers.
// normalise (pre-edge line, post-edge line/quadratic weights) -> mask on edge step ->
// 3-Gaussian Levenberg–Marquardt (3 structured starts, screened; active bounds) ->
// half-maximum edge of the first main peak of the fitted sum, μ=0.5 and dG/dE-max
// metrics, standard error of the edge from s²(JᵀJ)⁻¹.
// GPU twin of src/xanes/lm.ts + src/xanes/fit-cpu.ts: keep the constants and steps in step.
#include "dispatch"
#include "xanes_chol3"
#include "xanes_edge"

struct Params {
  n_pix: u32,        // pixels in this block
  n_e: u32,
  fit_lo: u32,
  n_fit: u32,
  n_pre: u32,
  n_post: u32,
  n_par: u32,        // 9, or 11 with a linear background
  max_iter: u32,
  screen_iter: u32,
  n_starts: u32,
  min_edge_step: f32,
  rel_tol: f32,
  s_min: f32,
  s_max: f32,
  // offsets into `consts`
  off_t: u32,
  off_wa: u32,
  off_wb: u32,
  off_wpost: u32,
  off_x: u32,
  off_pre_idx: u32,
  off_post_idx: u32,
  nan_bits: u32,     // 0x7fc00000: NaN for 'no value' (a constant NaN is not valid WGSL)
  shared_shape: u32, // 1: scale-and-shift fit of the template at off_tpl (src/xanes/shared-shape.ts)
  off_tpl: u32,      // template [A1 c1 s1 A2 c2 s2 A3 c3 s3], centres relative to x_c
}

@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> consts: array<f32>;
@group(0) @binding(2) var<storage, read> mu: array<f32>;        // [n_e][n_pix]
@group(0) @binding(3) var<storage, read_write> outv: array<f32>; // [8][n_pix]

const LN2X2: f32 = 1.1774100225154747;
const GOLD: f32 = 0.3819660112501051;
const ST_OK: f32 = 0.0;
const ST_MASKED: f32 = 1.0;
const ST_NONFINITE: f32 = 2.0;
const ST_NOTCONV: f32 = 3.0;
const ST_NOEDGE: f32 = 4.0;
const ST_FAILED: f32 = 5.0;

// Parameters as vectors over the three Gaussians (amplitude, centre, width) plus the
// background (b0, b1): all model arithmetic is vector arithmetic on registers, and JᵀJ is
// accumulated as 3×3 blocks, so the per-point work has no dynamically indexed private
// arrays (which software adapters turn into per-lane gathers). Flat parameter order (for
// the damped system): [A0 A1 A2 | c0 c1 c2 | s0 s1 s2 | b0 b1].
struct Par { a: vec3<f32>, c: vec3<f32>, s: vec3<f32>, b: vec2<f32> }

var<private> pix: u32;
var<private> na: f32;    // pre-edge intercept at E_s
var<private> nb: f32;    // pre-edge slope (per t unit)
var<private> ninv: f32;  // 1 / edge step
var<private> p: Par;
// JᵀJ blocks and Jᵀr at p (filled by eval_j).
var<private> hAA: mat3x3<f32>;
var<private> hAC: mat3x3<f32>;
var<private> hAS: mat3x3<f32>;
var<private> hCC: mat3x3<f32>;
var<private> hCS: mat3x3<f32>;
var<private> hSS: mat3x3<f32>;
var<private> hAB: mat2x3<f32>;
var<private> hCB: mat2x3<f32>;
var<private> hSB: mat2x3<f32>;
var<private> hBB: mat2x2<f32>;
var<private> gA: vec3<f32>;
var<private> gC: vec3<f32>;
var<private> gS: vec3<f32>;
var<private> gB: vec2<f32>;
fn is_finite(v: f32) -> bool {
  // NaN fails the comparison; ±inf fails the magnitude test.
  return abs(v) <= 3.4e38;
}

fn xv(i: u32) -> f32 { return consts[prm.off_x + i]; }

// Normalised data value at fit-window point i.
fn yv(i: u32) -> f32 {
  let j = prm.fit_lo + i;
  return (mu[j * prm.n_pix + pix] - na - nb * consts[prm.off_t + j]) * ninv;
}

fn project(q: Par) -> Par {
  var r = q;
  r.a = select(q.a, vec3<f32>(0.0), !(q.a >= vec3<f32>(0.0)));
  r.c = clamp(q.c, vec3<f32>(xv(0u)), vec3<f32>(xv(prm.n_fit - 1u)));
  r.s = clamp(q.s, vec3<f32>(prm.s_min), vec3<f32>(prm.s_max));
  return r;
}

fn outer3(a: vec3<f32>, b: vec3<f32>) -> mat3x3<f32> {
  return mat3x3<f32>(a * b.x, a * b.y, a * b.z);
}

// Gaussian values e_k and model value at x for parameters q.
fn model(q: Par, x: f32) -> f32 {
  let u = (vec3<f32>(x) - q.c) / q.s;
  var f = dot(q.a, exp(-0.5 * u * u));
  if (prm.n_par == 11u) { f += q.b.x + q.b.y * x; }
  return f;
}

fn eval_cost(q: Par) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < prm.n_fit; i++) {
    let r = yv(i) - model(q, xv(i));
    s += r * r;
  }
  return s;
}

// Cost at p with the JᵀJ blocks and Jᵀr.
fn eval_j() -> f32 {
  let z3 = mat3x3<f32>();
  hAA = z3; hAC = z3; hAS = z3; hCC = z3; hCS = z3; hSS = z3;
  hAB = mat2x3<f32>(); hCB = mat2x3<f32>(); hSB = mat2x3<f32>(); hBB = mat2x2<f32>();
  gA = vec3<f32>(0.0); gC = vec3<f32>(0.0); gS = vec3<f32>(0.0); gB = vec2<f32>(0.0);
  let bg = prm.n_par == 11u;
  var s = 0.0;
  for (var i = 0u; i < prm.n_fit; i++) {
    let xi = xv(i);
    let is = 1.0 / p.s;
    let u = (vec3<f32>(xi) - p.c) * is;
    let e = exp(-0.5 * u * u);
    let jA = e;
    let jC = p.a * e * u * is;
    let jS = jC * u;
    var f = dot(p.a, e);
    if (bg) { f += p.b.x + p.b.y * xi; }
    let r = yv(i) - f;
    s += r * r;
    hAA += outer3(jA, jA); hAC += outer3(jA, jC); hAS += outer3(jA, jS);
    hCC += outer3(jC, jC); hCS += outer3(jC, jS); hSS += outer3(jS, jS);
    gA += jA * r; gC += jC * r; gS += jS * r;
    if (bg) {
      hAB += mat2x3<f32>(jA, jA * xi); hCB += mat2x3<f32>(jC, jC * xi); hSB += mat2x3<f32>(jS, jS * xi);
      hBB += mat2x2<f32>(vec2<f32>(1.0, xi), vec2<f32>(xi, xi * xi));
      gB += vec2<f32>(r, r * xi);
    }
  }
  return s;
}

// 1 where the parameter is free this step, 0 where it sits on a bound and the descent
// direction (+g) points out of the box (held fixed, as in lm.ts).
fn free_mask(v: vec3<f32>, g: vec3<f32>, lo: f32, hi: f32) -> vec3<f32> {
  let out_lo = (v <= vec3<f32>(lo)) & (g < vec3<f32>(0.0));
  let out_hi = (v >= vec3<f32>(hi)) & (g > vec3<f32>(0.0));
  return select(vec3<f32>(1.0), vec3<f32>(0.0), out_lo | out_hi);
}

struct LmOut { cost: f32, converged: bool, iters: u32 }

fn run_lm(max_iter: u32) -> LmOut {
  let bg = prm.n_par == 11u;
  var cost = eval_j();
  var lambda = 1e-3;
  var it = 0u;
  var converged = false;
  let lo = xv(0u);
  let hi = xv(prm.n_fit - 1u);
  loop {
    if (it >= max_iter) { break; }
    var max_diag = max(max(max(mdiag(hAA).x, mdiag(hAA).y), max(mdiag(hAA).z, mdiag(hCC).x)),
                       max(max(mdiag(hCC).y, mdiag(hCC).z), max(max(mdiag(hSS).x, mdiag(hSS).y), mdiag(hSS).z)));
    let dB = vec3<f32>(hBB[0][0], hBB[1][1], 0.0);
    if (bg) { max_diag = max(max_diag, max(dB.x, dB.y)); }
    let floor_v = 1e-10 * max_diag + 1e-30;
    let mA = free_mask(p.a, gA, 0.0, 3.4e38);
    let mC = free_mask(p.c, gC, lo, hi);
    let mS = free_mask(p.s, gS, prm.s_min, prm.s_max);
    let mB = vec3<f32>(1.0, 1.0, 0.0);
    // Damped, masked system: fixed parameters get a unit row/column and a zero right-hand side.
    let s11 = mask2(hAA, mA, mA) + diag3(mA * lambda * max(mdiag(hAA), vec3<f32>(floor_v)) + (1.0 - mA));
    let s22 = mask2(hCC, mC, mC) + diag3(mC * lambda * max(mdiag(hCC), vec3<f32>(floor_v)) + (1.0 - mC));
    let s33 = mask2(hSS, mS, mS) + diag3(mS * lambda * max(mdiag(hSS), vec3<f32>(floor_v)) + (1.0 - mS));
    let s44 = mask2(pad_b(mat2x3<f32>(vec3<f32>(hBB[0], 0.0), vec3<f32>(hBB[1], 0.0))), mB, mB) + diag3(mB * lambda * max(dB, vec3<f32>(floor_v)) + (1.0 - mB));
    let ok = block_chol(s11, mask2(hAC, mA, mC), mask2(hAS, mA, mS), s22, mask2(hCS, mC, mS), s33,
                        mask2(pad_b(hAB), mA, mB), mask2(pad_b(hCB), mC, mB), mask2(pad_b(hSB), mS, mB), s44, bg);
    if (!ok) {
      lambda *= 10.0;
      it++;
      if (lambda > 1e12) { break; }
      continue;
    }
    let x = block_bwd(block_fwd(gA * mA, gC * mC, gS * mS, vec3<f32>(gB, 0.0), bg), bg);
    var q = p;
    q.a += x.y1;
    q.c += x.y2;
    q.s += x.y3;
    if (bg) { q.b += x.y4.xy; }
    let pn = project(q);
    let cost_new = eval_cost(pn);
    if (cost_new < cost) {
      let drop = cost - cost_new;
      p = pn;
      cost = eval_j();
      lambda = max(lambda * 0.1, 1e-7);
      it++;
      // Relative test plus the absolute floor of lm.ts (1e-9 per point).
      if (drop < prm.rel_tol * cost_new || drop < 1e-9 * f32(prm.n_fit)) { converged = true; break; }
    } else {
      lambda *= 10.0;
      it++;
      if (lambda > 1e7) { converged = true; break; }
    }
  }
  return LmOut(cost, converged, it);
}

// Amplitudes by least squares for the current centres and widths (3×3 normal equations).
fn linear_amplitudes(floor_a: f32) {
  var m = mat3x3<f32>();
  var b = vec3<f32>(0.0);
  for (var i = 0u; i < prm.n_fit; i++) {
    let u = (vec3<f32>(xv(i)) - p.c) / p.s;
    let e = exp(-0.5 * u * u);
    m += outer3(e, e);
    b += e * yv(i);
  }
  m += diag3(1e-6 * mdiag(m));
  let c = chol3(m);
  var a = vec3<f32>(floor_a);
  if (c.ok) {
    let sol = bwd3(c.l, fwd3(c.l, b));
    a = select(vec3<f32>(floor_a), sol, sol > vec3<f32>(floor_a));
  }
  p.a = a;
}

fn initial_guess(start: u32) {
  let n = prm.n_fit;
  var k = 0u;
  var best = -3.4e38;
  for (var i = 0u; i < n; i++) {
    var v = yv(i);
    if (i > 0u && i < n - 1u) { v = (yv(i - 1u) + v + yv(i + 1u)) / 3.0; }
    if (v > best) { best = v; k = i; }
  }
  let ymax = max(best, 1e-3);
  var xh = xv(0u);
  for (var i = k; i > 0u; i--) {
    let y0 = yv(i - 1u);
    if (y0 < ymax / 2.0) {
      var den = yv(i) - y0;
      if (den == 0.0) { den = 1.0; }
      let t = clamp((ymax / 2.0 - y0) / den, 0.0, 1.0);
      xh = xv(i - 1u) + t * (xv(i) - xv(i - 1u));
      break;
    }
  }
  let xk = xv(k);
  let w = max(xk - xh, 2.0 * prm.s_min * LN2X2);
  let sw = w / LN2X2;
  let xe = xv(n - 1u);
  let tail_w = max(xe - xk, w);
  if (start == 0u) {
    p.c = vec3<f32>(xk, xk, xe); p.s = vec3<f32>(0.4 * sw, 1.1 * sw, tail_w);
  } else if (start == 1u) {
    p.c = vec3<f32>(xh, xk, xe); p.s = vec3<f32>(0.5 * sw, sw, tail_w);
  } else {
    p.c = vec3<f32>(xk, 0.5 * (xk + xe), xe); p.s = vec3<f32>(sw, 0.5 * tail_w, 0.3 * tail_w);
  }
  p.a = vec3<f32>(0.0);
  p.b = vec2<f32>(0.0);
  p = project(p);
  linear_amplitudes(0.02 * ymax);
}

// ---- Shared-shape model: k·G_template(x − d), two parameters (src/xanes/shared-shape.ts) ----
const MAX_SHIFT_EV: f32 = 10.0;

// Template amplitudes (which = 0), centres (1) or widths (2) of the three Gaussians.
fn tpl(which: u32) -> vec3<f32> {
  let o = prm.off_tpl + which;
  return vec3<f32>(consts[o], consts[o + 3u], consts[o + 6u]);
}

struct ShiftEval { cost: f32, h: vec3<f32>, g: vec2<f32> }

// Cost at (k, d) with JᵀJ as (kk, kd, dd) and Jᵀr.
fn shift_eval(k: f32, d: f32) -> ShiftEval {
  let ta = tpl(0u);
  let tc = tpl(1u);
  let is = 1.0 / tpl(2u);
  var h = vec3<f32>(0.0);
  var g = vec2<f32>(0.0);
  var s = 0.0;
  for (var i = 0u; i < prm.n_fit; i++) {
    let u = (vec3<f32>(xv(i)) - tc - vec3<f32>(d)) * is;
    let e = ta * exp(-0.5 * u * u);
    let jk = e.x + e.y + e.z;
    let jd = k * dot(e, u * is);
    let r = yv(i) - k * jk;
    s += r * r;
    h += vec3<f32>(jk * jk, jk * jd, jd * jd);
    g += vec2<f32>(jk * r, jd * r);
  }
  return ShiftEval(s, h, g);
}

struct ShiftOut { cost: f32, k: f32, d: f32, converged: bool, iters: u32, std_d: f32 }

fn shift_fit() -> ShiftOut {
  var k = 1.0;
  var d = 0.0;
  var ev = shift_eval(k, d);
  var lambda = 1e-3;
  var it = 0u;
  var converged = false;
  loop {
    if (it >= prm.max_iter) { break; }
    let a00 = ev.h.x * (1.0 + lambda);
    let a11 = ev.h.z * (1.0 + lambda);
    let det = a00 * a11 - ev.h.y * ev.h.y;
    if (!(det > 0.0)) {
      lambda *= 10.0;
      it++;
      if (lambda > 1e12) { break; }
      continue;
    }
    let kn = max(k + (a11 * ev.g.x - ev.h.y * ev.g.y) / det, 0.0);
    let dn = clamp(d + (a00 * ev.g.y - ev.h.y * ev.g.x) / det, -MAX_SHIFT_EV, MAX_SHIFT_EV);
    let trial = shift_eval(kn, dn);
    it++;
    if (trial.cost < ev.cost) {
      let drop = ev.cost - trial.cost;
      k = kn;
      d = dn;
      ev = trial;
      lambda = max(lambda * 0.1, 1e-7);
      if (drop < prm.rel_tol * trial.cost || drop < 1e-9 * f32(prm.n_fit)) { converged = true; break; }
    } else {
      lambda *= 10.0;
      if (lambda > 1e7) { converged = true; break; }
    }
  }
  // var(E½) = var(d) = s²·(JᵀJ)⁻¹_dd, s² = RSS/(n − 2).
  let det = ev.h.x * ev.h.z - ev.h.y * ev.h.y;
  var sd = -1.0;
  if (det > 0.0) { sd = sqrt(ev.cost / f32(max(prm.n_fit, 3u) - 2u) * ev.h.x / det); }
  return ShiftOut(ev.cost, k, d, converged, it, sd);
}

fn put(field: u32, v: f32) { outv[field * prm.n_pix + pix] = v; }

fn nan_f32() -> f32 { return bitcast<f32>(prm.nan_bits); }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = linear_id(gid, nwg, 64u);
  if (id >= prm.n_pix) { return; }
  pix = id;
  let nan = nan_f32();
  // Normalisation weights (see src/xanes/normalize.ts).
  // Normalisation scale S and the edge jump J (mean post − mean pre) used for the mask.
  var a0 = 0.0;
  var b0 = 0.0;
  var post = 0.0;
  var pre_mean = 0.0;
  var post_mean = 0.0;
  for (var k = 0u; k < prm.n_pre; k++) {
    let v = mu[u32(consts[prm.off_pre_idx + k]) * prm.n_pix + pix];
    a0 += consts[prm.off_wa + k] * v;
    b0 += consts[prm.off_wb + k] * v;
    pre_mean += v;
  }
  for (var k = 0u; k < prm.n_post; k++) {
    let v = mu[u32(consts[prm.off_post_idx + k]) * prm.n_pix + pix];
    post += consts[prm.off_wpost + k] * v;
    post_mean += v;
  }
  let scale = post - a0;
  let jump = post_mean / f32(prm.n_post) - pre_mean / f32(prm.n_pre);
  na = a0;
  nb = b0;
  ninv = 1.0 / scale;
  var finite = is_finite(scale);
  for (var j = 0u; j < prm.n_e; j++) {
    if (!is_finite(mu[j * prm.n_pix + pix])) { finite = false; }
  }
  for (var f = 0u; f < 4u; f++) { put(f, nan); }
  put(6u, 0.0);
  if (!finite) { put(4u, ST_NONFINITE); put(5u, nan); return; }
  put(5u, jump);
  if (!(jump > prm.min_edge_step) || !(jump > 0.0) || !(scale > 0.0)) { put(4u, ST_MASKED); return; }

  if (prm.shared_shape == 1u) {
    let r = shift_fit();
    put(6u, f32(r.iters));
    put(7u, r.cost);
    if (!is_finite(r.cost) || !(r.k > 0.0)) { put(4u, ST_FAILED); return; }
    if (abs(r.d) >= MAX_SHIFT_EV) { put(4u, ST_NOEDGE); return; }
    p.a = r.k * tpl(0u);
    p.c = tpl(1u) + vec3<f32>(r.d);
    p.s = tpl(2u);
    p.b = vec2<f32>(0.0);
    write_edge(r.cost, r.converged, true, r.std_d);
    return;
  }
  // Multi-start, screened LM, best continued (see lm.ts fit()).
  var best_cost = 3.4e38;
  var iters = 0u;
  var pbest = p;
  for (var s = 0u; s < prm.n_starts; s++) {
    initial_guess(s);
    let r = run_lm(prm.screen_iter);
    iters += r.iters;
    if (r.cost < best_cost) {
      best_cost = r.cost;
      pbest = p;
    }
  }
  p = pbest;
  let fin = run_lm(prm.max_iter);
  iters += fin.iters;
  put(6u, f32(iters));
  put(7u, fin.cost);
  if (!is_finite(fin.cost)) { put(4u, ST_FAILED); return; }
  write_edge(fin.cost, fin.converged, false, 0.0);
}

// Edge metrics on the fitted Gaussian sum in p. The shared-shape fit brings its own standard
// error of the edge (that of the shift; negative when undetermined).
fn write_edge(cost: f32, converged: bool, is_shared: bool, shared_std: f32) {
  let n = prm.n_fit;
  var gmax = -3.4e38;
  for (var i = 0u; i < n; i++) { gmax = max(gmax, gauss(xv(i), 0u)); }
  var ipk = n;
  var gprev = -3.4e38;
  var gcur = gauss(xv(0u), 0u);
  for (var i = 0u; i < n; i++) {
    var gnext = -3.4e38;
    if (i + 1u < n) { gnext = gauss(xv(i + 1u), 0u); }
    if (gcur >= 0.5 * gmax && gcur >= gprev && gcur >= gnext) { ipk = i; break; }
    gprev = gcur;
    gcur = gnext;
  }
  if (ipk == 0u || ipk >= n - 1u || !(gmax > 0.0)) { put(4u, ST_NOEDGE); return; }
  let xpk = golden_max(xv(ipk - 1u), xv(ipk + 1u), 0u);
  let m = gauss(xpk, 0u);
  let half = rising_crossing(ipk, xpk, 0.5 * m);
  if (half >= 3.0e38) { put(4u, ST_NOEDGE); return; }
  put(0u, half);
  if (m > 0.5) {
    let e0 = rising_crossing(ipk, xpk, 0.5);
    if (e0 < 3.0e38) { put(2u, e0); }
  }
  var jb = 0u;
  var db = -3.4e38;
  for (var j = 0u; j <= ipk; j++) {
    let dv = gauss(xv(j), 1u);
    if (dv > db) { db = dv; jb = j; }
  }
  let lo = xv(select(jb - 1u, 0u, jb == 0u));
  let hi = min(xv(min(jb + 1u, n - 1u)), xpk);
  put(3u, golden_max(lo, hi, 1u));
  var sd = shared_std;
  if (!is_shared) { sd = edge_std(half, xpk, cost); }
  if (sd >= 0.0 && sd < 3.0e38) { put(1u, sd); }
  if (converged) { put(4u, ST_OK); } else { put(4u, ST_NOTCONV); }
}
