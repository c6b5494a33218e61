/*
 * 2D complex FFT on interleaved float32 frames with WebAssembly 128-bit SIMD: each f32x4
 * holds two complex values. Power-of-two sizes; radix 4 with one radix-2 stage when log2 n
 * is odd; the same decimation-in-time (DIT) / decimation-in-frequency (DIF) stages as
 * src/fft/radix4.ts, in float32.
 *  - Column stages run on whole rows (the butterfly's twiddle is constant along a row), so
 *    every inner loop is a contiguous vector loop: no gather, no transpose.
 *  - Row (line) stages run on vectors of two neighbouring butterflies, with per-stage
 *    twiddle tables laid out as vectors (built by the host in float64, src/fft/wasm-fft.ts);
 *    the last radix-4 / radix-2 stage (butterflies of neighbours) is done with shuffles.
 * No libc, no allocation: the host owns the memory layout and passes pointers.
 *
 * Twiddle tables (float32, built by the host):
 *  - `tw`: e^{sign·2πi j/n}, j < n, interleaved (column stages; sign −1 forward, +1 inverse).
 *  - `lt`: line stages with m ≥ 2, in order m = n/4, n/16, … (≥ 2); per stage, per pair of
 *    butterflies k, k+1: W1 = tw[k·n/(2m)] and W2 = tw[k·n/(4m)] as four vectors
 *    [W1r W1r W1r' W1r'], [−W1i W1i −W1i' W1i'], [W2r …], [−W2i …]: 8·m floats per stage.
 *
 * Build: scripts/build-wasm.sh (clang-16, lld-16); the .wasm is committed beside this file.
 */
#include <wasm_simd128.h>

typedef v128_t V;

#define LD(p) wasm_v128_load(p)
#define ST(p, a) wasm_v128_store(p, a)
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul
#define SWAP(a) wasm_i32x4_shuffle(a, a, 1, 0, 3, 2)

/* a·w for w given as [wr wr wr' wr'] and [−wi wi −wi' wi']. */
static inline V cmul(V a, V wr, V wi) { return ADD(MUL(a, wr), MUL(SWAP(a), wi)); }

/* (−i)·a when inv = 0 (forward), (+i)·a when inv = 1; `sg` = [1 −1 1 −1] or its negation. */
static inline V rot(V a, V sg) { return MUL(SWAP(a), sg); }

static inline V rotSign(int inv) { return inv ? wasm_f32x4_make(-1.f, 1.f, -1.f, 1.f) : wasm_f32x4_make(1.f, -1.f, 1.f, -1.f); }

static int log2i(int n) {
  int b = 0;
  while ((1 << b) < n) b++;
  return b;
}

/* ---- line (row) stages: one line of n complex at x ---- */

/* DIT butterfly on four vectors (two butterflies each) with twiddle vectors t[0..3]. */
static inline void ditButterfly(float *p0, float *p1, float *p2, float *p3, const float *t, V sg) {
  V w1r = LD(t), w1i = LD(t + 4), w2r = LD(t + 8), w2i = LD(t + 12);
  V x0 = LD(p0), x2 = LD(p2);
  V t1 = cmul(LD(p1), w1r, w1i);
  V t3 = cmul(LD(p3), w1r, w1i);
  V y0 = ADD(x0, t1), y1 = SUB(x0, t1), y2 = ADD(x2, t3), y3 = SUB(x2, t3);
  V u = cmul(y2, w2r, w2i);
  V v = rot(cmul(y3, w2r, w2i), sg);
  ST(p0, ADD(y0, u));
  ST(p2, SUB(y0, u));
  ST(p1, ADD(y1, v));
  ST(p3, SUB(y1, v));
}

static inline void difButterfly(float *p0, float *p1, float *p2, float *p3, const float *t, V sg) {
  V w1r = LD(t), w1i = LD(t + 4), w2r = LD(t + 8), w2i = LD(t + 12);
  V x0 = LD(p0), x1 = LD(p1), x2 = LD(p2), x3 = LD(p3);
  V y0 = ADD(x0, x2), y1 = ADD(x1, x3), a = SUB(x0, x2), b = SUB(x1, x3);
  V y2 = cmul(a, w2r, w2i);
  V y3 = rot(cmul(b, w2r, w2i), sg);
  ST(p0, ADD(y0, y1));
  ST(p1, cmul(SUB(y0, y1), w1r, w1i));
  ST(p2, ADD(y2, y3));
  ST(p3, cmul(SUB(y2, y3), w1r, w1i));
}

/* Offset (floats) of stage m's vectors in a line table of size n. */
static int stageOffset(int n, int m) {
  int off = 0;
  for (int s = n >> 2; s > m; s >>= 2) off += 8 * s;
  return off;
}

/* Radix-2 stage on neighbours: [x0 x1] → [x0+x1, x0−x1]. */
static void lineRadix2(float *x, int n) {
  const V pm = wasm_f32x4_make(1.f, 1.f, -1.f, -1.f);
  for (int i = 0; i < 2 * n; i += 4) {
    V a = LD(x + i);
    V lo = wasm_i32x4_shuffle(a, a, 0, 1, 0, 1);
    V hi = wasm_i32x4_shuffle(a, a, 2, 3, 2, 3);
    ST(x + i, ADD(lo, MUL(hi, pm)));
  }
}

/* DIT: bit-reversed in, natural out. */
static void lineDit(float *x, int n, const float *lt, int inv) {
  const V sg = rotSign(inv);
  int m;
  if (log2i(n) & 1) {
    lineRadix2(x, n);
    m = 2;
  } else {
    /* m = 1 radix-4 on [x0 x1][x2 x3] (twiddles 1). */
    for (int i = 0; i < 2 * n; i += 8) {
      V v0 = LD(x + i), v1 = LD(x + i + 4);
      V a = wasm_i32x4_shuffle(v0, v1, 0, 1, 4, 5); /* x0 x2 */
      V b = wasm_i32x4_shuffle(v0, v1, 2, 3, 6, 7); /* x1 x3 */
      V p = ADD(a, b), q = SUB(a, b);               /* [y0 y2], [y1 y3] */
      V e = wasm_i32x4_shuffle(p, q, 0, 1, 4, 5);   /* y0 y1 */
      V f = wasm_i32x4_shuffle(p, rot(q, sg), 2, 3, 6, 7); /* y2, ∓i·y3 */
      ST(x + i, ADD(e, f));
      ST(x + i + 4, SUB(e, f));
    }
    m = 4;
  }
  for (; m < n; m <<= 2) {
    const float *t0 = lt + stageOffset(n, m);
    for (int g = 0; g < n; g += 4 * m) {
      const float *t = t0;
      float *p0 = x + 2 * g;
      for (int k = 0; k < m; k += 2, p0 += 4, t += 16) ditButterfly(p0, p0 + 2 * m, p0 + 4 * m, p0 + 6 * m, t, sg);
    }
  }
}

/* DIF: natural in, bit-reversed out. */
static void lineDif(float *x, int n, const float *lt, int inv) {
  const V sg = rotSign(inv);
  int odd = log2i(n) & 1;
  for (int m = n >> 2; m >= 2; m >>= 2) {
    const float *t0 = lt + stageOffset(n, m);
    for (int g = 0; g < n; g += 4 * m) {
      const float *t = t0;
      float *p0 = x + 2 * g;
      for (int k = 0; k < m; k += 2, p0 += 4, t += 16) difButterfly(p0, p0 + 2 * m, p0 + 4 * m, p0 + 6 * m, t, sg);
    }
  }
  if (odd) {
    lineRadix2(x, n);
  } else {
    for (int i = 0; i < 2 * n; i += 8) {
      V v0 = LD(x + i), v1 = LD(x + i + 4);
      V s = ADD(v0, v1), d = SUB(v0, v1);            /* [y0 y1], [a b] */
      V t0 = wasm_i32x4_shuffle(s, d, 0, 1, 4, 5);   /* y0 a */
      V t1 = wasm_i32x4_shuffle(s, rot(d, sg), 2, 3, 6, 7); /* y1, ∓i·b */
      V lo = ADD(t0, t1), hi = SUB(t0, t1);          /* [o0 o2], [o1 o3] */
      ST(x + i, wasm_i32x4_shuffle(lo, hi, 0, 1, 4, 5));
      ST(x + i + 4, wasm_i32x4_shuffle(lo, hi, 2, 3, 6, 7));
    }
  }
}

/* ---- column stages: butterflies between whole rows of `w` complex (L = 2w floats) ---- */

static void colRadix2(float *x, int h, int L) {
  for (int r = 0; r < h; r += 2) {
    float *p = x + r * L, *q = p + L;
    for (int i = 0; i < L; i += 4) {
      V a = LD(p + i), b = LD(q + i);
      ST(p + i, ADD(a, b));
      ST(q + i, SUB(a, b));
    }
  }
}

static void colDit(float *x, int h, int w, const float *tw, int inv) {
  const V sg = rotSign(inv);
  const int L = 2 * w;
  int m = 1;
  if (log2i(h) & 1) {
    colRadix2(x, h, L);
    m = 2;
  }
  for (; m < h; m <<= 2) {
    int step1 = h / (2 * m), step2 = h / (4 * m);
    for (int g = 0; g < h; g += 4 * m) {
      for (int k = 0; k < m; k++) {
        float a1 = tw[2 * k * step1], b1 = tw[2 * k * step1 + 1];
        float a2 = tw[2 * k * step2], b2 = tw[2 * k * step2 + 1];
        V w1r = wasm_f32x4_splat(a1), w1i = wasm_f32x4_make(-b1, b1, -b1, b1);
        V w2r = wasm_f32x4_splat(a2), w2i = wasm_f32x4_make(-b2, b2, -b2, b2);
        float *p0 = x + (g + k) * L, *p1 = p0 + m * L, *p2 = p1 + m * L, *p3 = p2 + m * L;
        for (int i = 0; i < L; i += 4) {
          V x0 = LD(p0 + i), x2 = LD(p2 + i);
          V t1 = cmul(LD(p1 + i), w1r, w1i);
          V t3 = cmul(LD(p3 + i), w1r, w1i);
          V y0 = ADD(x0, t1), y1 = SUB(x0, t1), y2 = ADD(x2, t3), y3 = SUB(x2, t3);
          V u = cmul(y2, w2r, w2i);
          V v = rot(cmul(y3, w2r, w2i), sg);
          ST(p0 + i, ADD(y0, u));
          ST(p2 + i, SUB(y0, u));
          ST(p1 + i, ADD(y1, v));
          ST(p3 + i, SUB(y1, v));
        }
      }
    }
  }
}

static void colDif(float *x, int h, int w, const float *tw, int inv) {
  const V sg = rotSign(inv);
  const int L = 2 * w;
  for (int m = h >> 2; m >= (log2i(h) & 1 ? 2 : 1); m >>= 2) {
    int step1 = h / (2 * m), step2 = h / (4 * m);
    for (int g = 0; g < h; g += 4 * m) {
      for (int k = 0; k < m; k++) {
        float a1 = tw[2 * k * step1], b1 = tw[2 * k * step1 + 1];
        float a2 = tw[2 * k * step2], b2 = tw[2 * k * step2 + 1];
        V w1r = wasm_f32x4_splat(a1), w1i = wasm_f32x4_make(-b1, b1, -b1, b1);
        V w2r = wasm_f32x4_splat(a2), w2i = wasm_f32x4_make(-b2, b2, -b2, b2);
        float *p0 = x + (g + k) * L, *p1 = p0 + m * L, *p2 = p1 + m * L, *p3 = p2 + m * L;
        for (int i = 0; i < L; i += 4) {
          V x0 = LD(p0 + i), x1 = LD(p1 + i), x2 = LD(p2 + i), x3 = LD(p3 + i);
          V y0 = ADD(x0, x2), y1 = ADD(x1, x3), a = SUB(x0, x2), b = SUB(x1, x3);
          V y2 = cmul(a, w2r, w2i);
          V y3 = rot(cmul(b, w2r, w2i), sg);
          ST(p0 + i, ADD(y0, y1));
          ST(p1 + i, cmul(SUB(y0, y1), w1r, w1i));
          ST(p2 + i, ADD(y2, y3));
          ST(p3 + i, cmul(SUB(y2, y3), w1r, w1i));
        }
      }
    }
  }
  if (log2i(h) & 1) colRadix2(x, h, L);
}

/* ---- permutations and scaling ---- */

/* Swaps rows r ↔ rev[r] (whole rows of L floats). */
static void swapRows(float *x, int h, int L, const int *rev) {
  for (int r = 0; r < h; r++) {
    int s = rev[r];
    if (s <= r) continue;
    float *p = x + r * L, *q = x + s * L;
    for (int i = 0; i < L; i += 4) {
      V a = LD(p + i), b = LD(q + i);
      ST(p + i, b);
      ST(q + i, a);
    }
  }
}

/* Bit-reversal of one line of n complex values (as 64-bit words). */
static void swapLine(float *x, int n, const int *rev) {
  unsigned long long *c = (unsigned long long *)x;
  for (int i = 0; i < n; i++) {
    int j = rev[i];
    if (j > i) {
      unsigned long long t = c[i];
      c[i] = c[j];
      c[j] = t;
    }
  }
}

static void scale(float *x, int count, float s) {
  V sv = wasm_f32x4_splat(s);
  for (int i = 0; i < count; i += 4) ST(x + i, MUL(LD(x + i), sv));
}

/* ---- exported 2D transforms on one h×w frame at x ---- */

/*
 * Natural order in and out; forward unnormalised, inverse scaled by `s` (1/(h·w) for
 * numpy's convention). Tables: rev (h, w), column tw (h), line table lt (w) of the direction.
 */
__attribute__((export_name("fft2d")))
void fft2d(float *x, int h, int w, const int *revH, const int *revW, const float *twH, const float *ltW, int inv, float s) {
  const int L = 2 * w;
  swapRows(x, h, L, revH);
  colDit(x, h, w, twH, inv);
  for (int r = 0; r < h; r++) {
    swapLine(x + r * L, w, revW);
    lineDit(x + r * L, w, ltW, inv);
  }
  if (s != 1.f) scale(x, 2 * h * w, s);
}

/* Natural → bit-reversed on both axes (DIF), unnormalised: the forward half of the pair that never permutes. */
__attribute__((export_name("fft2dScrambledForward")))
void fft2dScrambledForward(float *x, int h, int w, const float *twH, const float *ltW) {
  const int L = 2 * w;
  for (int r = 0; r < h; r++) lineDif(x + r * L, w, ltW, 0);
  colDif(x, h, w, twH, 0);
}

/* Bit-reversed → natural (DIT), unnormalised (h·w × the true inverse). */
__attribute__((export_name("fft2dScrambledInverse")))
void fft2dScrambledInverse(float *x, int h, int w, const float *twH, const float *ltW) {
  const int L = 2 * w;
  colDit(x, h, w, twH, 1);
  for (int r = 0; r < h; r++) lineDit(x + r * L, w, ltW, 1);
}

/*
 * Fourier modulus constraint on one frame of n complex values, in place, as the change it
 * makes: x ← x·(a/|x| − 1) where a ≥ 0 (a < 0 marks a masked pixel: x ← 0, the model kept);
 * 0 where |x| = 0. Adds Σ(|x| − a)² and Σ a² over valid pixels to out[0], out[1] (float64).
 * ptyxanes' ePIE step between its forward and inverse transforms (src/ptycho/kernels.cpu.ts
 * modulusDelta is the JavaScript twin).
 */
__attribute__((export_name("modulusDelta")))
void modulusDelta(float *x, const float *amp, int n, double *out) {
  /* In float64 like the JavaScript twin (one complex value per f64x2): the factor a/|x| − 1
   * loses digits in float32 near convergence, where |x| ≈ a. */
  const V zero = wasm_f64x2_splat(0.0), one = wasm_f64x2_splat(1.0);
  V err = zero, sumI = zero;
  for (int i = 0; i < n; i++) {
    V v = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(x + 2 * i));
    V sq = wasm_f64x2_mul(v, v);
    V m = wasm_f64x2_sqrt(wasm_f64x2_add(sq, wasm_i64x2_shuffle(sq, sq, 1, 0)));
    V a = wasm_f64x2_splat((double)amp[i]);
    V valid = wasm_f64x2_ge(a, zero);
    V f = wasm_v128_and(wasm_v128_and(valid, wasm_f64x2_gt(m, zero)), wasm_f64x2_sub(wasm_f64x2_div(a, m), one));
    wasm_v128_store64_lane(x + 2 * i, wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(v, f)), 0);
    V d = wasm_v128_and(valid, wasm_f64x2_sub(m, a));
    V aa = wasm_v128_and(valid, a);
    err = wasm_f64x2_add(err, wasm_f64x2_mul(d, d));
    sumI = wasm_f64x2_add(sumI, wasm_f64x2_mul(aa, aa));
  }
  /* both lanes hold the same pixel's terms */
  out[0] += wasm_f64x2_extract_lane(err, 0);
  out[1] += wasm_f64x2_extract_lane(sumI, 0);
}

/* a·b for one complex value per f64x2. */
static inline V cmul64(V a, V b) {
  V br = wasm_i64x2_shuffle(b, b, 0, 0);
  V bi = wasm_f64x2_mul(wasm_i64x2_shuffle(b, b, 1, 1), wasm_f64x2_make(-1.0, 1.0));
  return wasm_f64x2_add(wasm_f64x2_mul(a, br), wasm_f64x2_mul(wasm_i64x2_shuffle(a, a, 1, 0), bi));
}

/*
 * x[r][c] ← x[r][c]·ry[r]·rx[c]·s on one h×w frame (a separable phase ramp: a Fourier shift);
 * rx (w) and ry (h) interleaved complex float64, in the frame's order (the host permutes them
 * for bit-reversed frames). In float64 like the JavaScript twin: the GPU/CPU agreement tests
 * of the momentum rule amplify float32 rounding here past their 1e-4.
 */
__attribute__((export_name("rampMultiply")))
void rampMultiply(float *x, int h, int w, const double *rx, const double *ry, double s) {
  for (int r = 0; r < h; r++) {
    V y = wasm_f64x2_mul(wasm_v128_load(ry + 2 * r), wasm_f64x2_splat(s));
    float *p = x + 2 * r * w;
    for (int c = 0; c < w; c++) {
      V e = cmul64(wasm_v128_load(rx + 2 * c), y);
      V v = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p + 2 * c));
      wasm_v128_store64_lane(p + 2 * c, wasm_f32x4_demote_f64x2_zero(cmul64(v, e)), 0);
    }
  }
}

/* |a|² in both lanes, one complex value per f64x2. */
static inline V abs2x(V a) {
  V sq = wasm_f64x2_mul(a, a);
  return wasm_f64x2_add(sq, wasm_i64x2_shuffle(sq, sq, 1, 0));
}

static inline V load1(const float *p) { return wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p)); }
static inline void store1(float *p, V a) { wasm_v128_store64_lane(p, wasm_f32x4_demote_f64x2_zero(a), 0); }

/*
 * ePIE's exit wave for one probe mode (src/ptycho/kernels.cpu.ts exitWave, K = 1): ψ = P·O over
 * the h×w window of the object (row stride objW complex) at (ix, iy); out[0] = max |P|²,
 * out[1] = max |O|² over the window. float64 arithmetic on float32 data, like the JavaScript twin.
 */
__attribute__((export_name("exitWave")))
void exitWave(const float *probe, const float *obj, int objW, int ix, int iy, int h, int w, float *psi, double *out) {
  V maxP = wasm_f64x2_splat(0.0), maxO = wasm_f64x2_splat(0.0);
  for (int r = 0; r < h; r++) {
    const float *o = obj + 2 * ((iy + r) * objW + ix);
    const float *p = probe + 2 * r * w;
    float *q = psi + 2 * r * w;
    for (int c = 0; c < 2 * w; c += 2) {
      V ov = load1(o + c), pv = load1(p + c);
      maxO = wasm_f64x2_pmax(maxO, abs2x(ov));
      maxP = wasm_f64x2_pmax(maxP, abs2x(pv));
      store1(q + c, cmul64(pv, ov));
    }
  }
  out[0] = wasm_f64x2_extract_lane(maxP, 0);
  out[1] = wasm_f64x2_extract_lane(maxO, 0);
}

/*
 * ePIE / rPIE update for one probe mode (kernels-rpie.cpu.ts updateSequentialRpie, K = 1):
 *   O += a·P*·Δψ / ((1 − γO)|P|² + γO·maxP);  P += b·O*·Δψ / ((1 − γP)|O|² + γP·maxO) if b > 0,
 * with the object value before this update. γ = 1 is plain ePIE's step.
 */
__attribute__((export_name("updateRpie")))
void updateRpie(const float *dpsi, float *probe, float *obj, int objW, int ix, int iy, int h, int w,
                double a, double gO, double maxP, double b, double gP, double maxO) {
  const V kO = wasm_f64x2_splat(1.0 - gO), cO = wasm_f64x2_splat(gO * maxP);
  const V kP = wasm_f64x2_splat(1.0 - gP), cP = wasm_f64x2_splat(gP * maxO);
  const V av = wasm_f64x2_splat(a), bv = wasm_f64x2_splat(b);
  const V pm = wasm_f64x2_make(1.0, -1.0);
  for (int r = 0; r < h; r++) {
    float *o = obj + 2 * ((iy + r) * objW + ix);
    float *p = probe + 2 * r * w;
    const float *d = dpsi + 2 * r * w;
    for (int c = 0; c < 2 * w; c += 2) {
      V ov = load1(o + c), pv = load1(p + c), dv = load1(d + c);
      V dsw = wasm_i64x2_shuffle(dv, dv, 1, 0);
      /* conj(P)·Δψ and conj(O)·Δψ */
      V pd = wasm_f64x2_add(wasm_f64x2_mul(dv, wasm_i64x2_shuffle(pv, pv, 0, 0)), wasm_f64x2_mul(dsw, wasm_f64x2_mul(wasm_i64x2_shuffle(pv, pv, 1, 1), pm)));
      V sO = wasm_f64x2_div(av, wasm_f64x2_add(wasm_f64x2_mul(kO, abs2x(pv)), cO));
      store1(o + c, wasm_f64x2_add(ov, wasm_f64x2_mul(sO, pd)));
      if (b > 0) {
        V od = wasm_f64x2_add(wasm_f64x2_mul(dv, wasm_i64x2_shuffle(ov, ov, 0, 0)), wasm_f64x2_mul(dsw, wasm_f64x2_mul(wasm_i64x2_shuffle(ov, ov, 1, 1), pm)));
        V sP = wasm_f64x2_div(bv, wasm_f64x2_add(wasm_f64x2_mul(kP, abs2x(ov)), cP));
        store1(p + c, wasm_f64x2_add(pv, wasm_f64x2_mul(sP, od)));
      }
    }
  }
}

__attribute__((export_name("scale")))
void scaleExport(float *x, int count, float s) { scale(x, count, s); }
