// Parallel-mode probe step for one batch.
// reduce: per probe pixel, the positions' gradients G_jk = F(O_j*·Δψ_jk) shifted back by their
//   subpixel remainders and summed, S_k = Σ_j conj(ramp_j)·G_jk (Fourier space, inverse FFT
//   next), and the step denominator (1 − γ)·Σ_j|O_j|² + γ·Σ_j max|O_j|² (real space).
// apply: P_k += β·S_k / denominator, and a copy of P into Q for the forward FFT that follows.
// Grid: x over the pixels of one frame.
#include "epie_types"

const MAX_MODES: u32 = 8u;

@group(0) @binding(0) var<storage, read_write> probe: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> q: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> s: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> pden: array<f32>;
@group(0) @binding(4) var<storage, read> g: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read> den: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read> maxes: array<u32>;
@group(0) @binding(7) var<storage, read> steps: array<Step>;
@group(0) @binding(8) var<uniform> params: Params;
@group(0) @binding(9) var<uniform> cursor: Cursor;

@compute @workgroup_size(256)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) { return; }
  var acc: array<vec2<f32>, MAX_MODES>;
  var o2 = 0.0;
  var sum_max = 0.0;
  for (var j = 0u; j < cursor.count; j++) {
    let st = steps[cursor.base + j];
    let e = shift_ramp(i, params.h, params.w, st.dx, st.dy);
    for (var k = 0u; k < params.K; k++) {
      acc[k] += cmulconj(g[(j * params.K + k) * params.n + i], e);
    }
    o2 += den[j * params.n + i].y;
    sum_max += bitcast<f32>(maxes[2u * (cursor.base + j) + 1u]);
  }
  for (var k = 0u; k < params.K; k++) { s[k * params.n + i] = acc[k]; }
  pden[i] = (1.0 - params.gamma) * o2 + params.gamma * sum_max;
}

@compute @workgroup_size(256)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) { return; }
  let d = pden[i];
  for (var k = 0u; k < params.K; k++) {
    let p = k * params.n + i;
    var v = probe[p];
    if (d > 0.0) { v += (params.beta / d) * s[p]; }
    probe[p] = v;
    q[p] = v;
  }
}
