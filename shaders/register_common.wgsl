// Shared by the register_* kernels: the parameters, the packed-spectrum cross-power and the
// upsampled-DFT kernel K_N(k, s0 + m/U) (see src/register/upsampled-dft.ts, cross-power.ts).
#include "complex"

struct RegParams {
  h: u32, w: u32, fft_h: u32, fft_w: u32,
  // Pairs in this chunk, and the index of its first pair among all pairs (results offset).
  n_pairs: u32, pair_base: u32,
  // Per-pair strides (floats) into the reference and mask stacks: h·w, or 0 for one shared image.
  ref_stride: u32, ref_mask_stride: u32, mov_mask_stride: u32,
  // bit 0: phase normalisation; bit 1: reference mask; bit 2: moving mask.
  flags: u32,
  upsample: u32, region: u32, center: u32,
  // H/2 + 1: rows of the half spectrum the refinement uses.
  half_h: u32,
  pad0: u32, pad1: u32,
}

const PI: f32 = 3.14159265358979;
const PHASE_EPS: f32 = 1e-18;

fn pos_mod(a: i32, m: i32) -> i32 {
  let r = a % m;
  return select(r, r + m, r < 0);
}

// Flat index of −k in an fft_h × fft_w frame.
fn neg_index(kr: u32, kc: u32, fh: u32, fw: u32) -> u32 {
  return ((fh - kr) % fh) * fw + ((fw - kc) % fw);
}

// P = F·conj(G) from a = Z[k], b = Z[−k] of z = f + i·g; phase: (F/|F|)·conj(G/|G|).
fn cross_power(a: vec2<f32>, b: vec2<f32>, phase: bool) -> vec2<f32> {
  let bc = vec2<f32>(b.x, -b.y);
  var f = 0.5 * (a + bc);
  let d = a - bc;
  var g = vec2<f32>(0.5 * d.y, -0.5 * d.x);
  if (phase) {
    let fa = length(f);
    let ga = length(g);
    if (fa > PHASE_EPS && ga > PHASE_EPS) {
      f = f / fa;
      g = g / ga;
    } else {
      return vec2<f32>(0.0, 0.0);
    }
  }
  return cmulconj(f, g);
}

// K_N(k, s0 + m/U): exp(2πi f_k s / N), Nyquist cos(π s); phase reduced in integers first.
fn kernel_at(k: u32, n: u32, s0: i32, m: i32, u: u32) -> vec2<f32> {
  if (2u * k == n) {
    let sign = select(1.0, -1.0, (s0 & 1) != 0);
    return vec2<f32>(sign * cos(PI * f32(m) / f32(u)), 0.0);
  }
  let f = select(i32(k), i32(k) - i32(n), 2u * k > n);
  let a = pos_mod(f * s0, i32(n));
  let b = pos_mod(f * m, i32(u * n));
  let turns = f32(a) / f32(n) + f32(b) / f32(u * n);
  // Angle in [−π, π) where GPU sin/cos are most accurate.
  let ang = 2.0 * PI * (fract(turns + 0.5) - 0.5);
  return vec2<f32>(cos(ang), sin(ang));
}
