// Small DFTs on registers for the Stockham FFT kernels (fft_line.wgsl, fft_pass.wgsl).
// Each invocation holds 16 points v[m]; a radix-R stage runs 16/R butterflies over
// m = q + r*(16/R) (q: butterfly, r: element). Forward transforms only (SIGN = -1): the
// kernels get the inverse by conjugating on load and store (conj(F(conj x)) = N·F⁻¹x), so
// one pipeline serves both directions.
const SIGN: f32 = -1.0;

// w16^p = exp(-2πi p / 16) for the fixed angles used inside dft8/dft16.
const C8 = 0.70710678118654752;   // cos(π/4)
const C16 = 0.92387953251128674;  // cos(π/8)
const S16 = 0.38268343236508977;  // sin(π/8)

// Multiply by SIGN*i = −i: the 4th root of unity.
fn rot_q(a: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(-SIGN * a.y, SIGN * a.x);
}

fn cw(c: f32, s: f32) -> vec2<f32> {
  return vec2<f32>(c, SIGN * s);
}

struct C4 { a: vec2<f32>, b: vec2<f32>, c: vec2<f32>, d: vec2<f32> }

fn dft4(x0: vec2<f32>, x1: vec2<f32>, x2: vec2<f32>, x3: vec2<f32>) -> C4 {
  let t0 = x0 + x2;
  let t1 = x0 - x2;
  let t2 = x1 + x3;
  let t3 = rot_q(x1 - x3);
  return C4(t0 + t2, t1 + t3, t0 - t2, t1 - t3);
}

// 16 points as one radix-16 butterfly (4×4 with internal twiddles w16^(n2·k1)).
fn dft16(v: array<vec2<f32>, 16>) -> array<vec2<f32>, 16> {
  let a0 = dft4(v[0], v[4], v[8], v[12]);
  let a1 = dft4(v[1], v[5], v[9], v[13]);
  let a2 = dft4(v[2], v[6], v[10], v[14]);
  let a3 = dft4(v[3], v[7], v[11], v[15]);
  let w1 = cw(C16, S16);
  let w2 = cw(C8, C8);
  let w3 = cw(S16, C16);
  let w6 = cw(-C8, C8);
  let w9 = cw(-C16, -S16);
  let b0 = dft4(a0.a, a1.a, a2.a, a3.a);
  let b1 = dft4(a0.b, cmul(a1.b, w1), cmul(a2.b, w2), cmul(a3.b, w3));
  let b2 = dft4(a0.c, cmul(a1.c, w2), rot_q(a2.c), cmul(a3.c, w6));
  let b3 = dft4(a0.d, cmul(a1.d, w3), cmul(a2.d, w6), cmul(a3.d, w9));
  return array<vec2<f32>, 16>(
    b0.a, b1.a, b2.a, b3.a,
    b0.b, b1.b, b2.b, b3.b,
    b0.c, b1.c, b2.c, b3.c,
    b0.d, b1.d, b2.d, b3.d);
}

// Two radix-8 butterflies: q = 0, 1 over m = q + 2r.
fn dft8x2(v: array<vec2<f32>, 16>) -> array<vec2<f32>, 16> {
  var o: array<vec2<f32>, 16>;
  let w1 = cw(C8, C8);
  let w3 = cw(-C8, C8);
  for (var q = 0u; q < 2u; q++) {
    let e = dft4(v[q], v[q + 4u], v[q + 8u], v[q + 12u]);
    let f = dft4(v[q + 2u], v[q + 6u], v[q + 10u], v[q + 14u]);
    let f1 = cmul(f.b, w1);
    let f2 = rot_q(f.c);
    let f3 = cmul(f.d, w3);
    o[q] = e.a + f.a;
    o[q + 2u] = e.b + f1;
    o[q + 4u] = e.c + f2;
    o[q + 6u] = e.d + f3;
    o[q + 8u] = e.a - f.a;
    o[q + 10u] = e.b - f1;
    o[q + 12u] = e.c - f2;
    o[q + 14u] = e.d - f3;
  }
  return o;
}

// Four radix-4 butterflies: q = 0..3 over m = q + 4r.
fn dft4x4(v: array<vec2<f32>, 16>) -> array<vec2<f32>, 16> {
  var o: array<vec2<f32>, 16>;
  for (var q = 0u; q < 4u; q++) {
    let y = dft4(v[q], v[q + 4u], v[q + 8u], v[q + 12u]);
    o[q] = y.a;
    o[q + 4u] = y.b;
    o[q + 8u] = y.c;
    o[q + 12u] = y.d;
  }
  return o;
}

// Eight radix-2 butterflies: q = 0..7 over m = q + 8r.
fn dft2x8(v: array<vec2<f32>, 16>) -> array<vec2<f32>, 16> {
  var o: array<vec2<f32>, 16>;
  for (var q = 0u; q < 8u; q++) {
    o[q] = v[q] + v[q + 8u];
    o[q + 8u] = v[q] - v[q + 8u];
  }
  return o;
}

// exp(-2πi p/16), p = 0..15, for the inter-butterfly twiddles of a short last stage.
const W16 = array<vec2<f32>, 16>(
  vec2<f32>(1.0, 0.0), vec2<f32>(C16, -S16), vec2<f32>(C8, -C8), vec2<f32>(S16, -C16),
  vec2<f32>(0.0, -1.0), vec2<f32>(-S16, -C16), vec2<f32>(-C8, -C8), vec2<f32>(-C16, -S16),
  vec2<f32>(-1.0, 0.0), vec2<f32>(-C16, S16), vec2<f32>(-C8, C8), vec2<f32>(-S16, C16),
  vec2<f32>(0.0, 1.0), vec2<f32>(S16, C16), vec2<f32>(C8, C8), vec2<f32>(C16, S16));

// g^0 .. g^15 from g and g^4 (both read from the f64-built table), at most 3 products deep:
// 2 table reads instead of 15 (gathers are the expensive part on CPU adapters).
fn powers16(g: vec2<f32>, g4: vec2<f32>) -> array<vec2<f32>, 16> {
  let g2 = cmul(g, g);
  let g3 = cmul(g2, g);
  let g8 = cmul(g4, g4);
  let g12 = cmul(g8, g4);
  return array<vec2<f32>, 16>(
    vec2<f32>(1.0, 0.0), g, g2, g3,
    g4, cmul(g4, g), cmul(g4, g2), cmul(g4, g3),
    g8, cmul(g8, g), cmul(g8, g2), cmul(g8, g3),
    g12, cmul(g12, g), cmul(g12, g2), cmul(g12, g3));
}

fn butterflies(v: array<vec2<f32>, 16>, radix: u32) -> array<vec2<f32>, 16> {
  switch radix {
    case 16u: { return dft16(v); }
    case 8u: { return dft8x2(v); }
    case 4u: { return dft4x4(v); }
    default: { return dft2x8(v); }
  }
}
