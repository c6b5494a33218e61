// One workgroup per pair: integer peak of |Re| of the inverse-FFT'd cross-power (first index
// on ties, as numpy's argmax), wrapped to a signed shift (index > N/2 → index − N).
// CPU twin: coarsePeak + wrapShift in src/register.
#include "register_common"
#include "register_argmax"

@group(0) @binding(0) var<uniform> P: RegParams;
@group(0) @binding(1) var<storage, read> x: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> peaks: array<vec2<i32>>;


@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = wg.x;
  let frame = P.fft_h * P.fft_w;
  let base = p * frame;
  var bv = -1.0;
  var bi = 0u;
  for (var i = lid.x; i < frame; i += WG) {
    let v = abs(x[base + i].x);
    if (v > bv) { bv = v; bi = i; }
  }
  let at = workgroup_argmax(lid.x, bv, bi);
  if (lid.x == 0u) {
    let r = i32(at / P.fft_w);
    let c = i32(at % P.fft_w);
    let hh = i32(P.fft_h);
    let ww = i32(P.fft_w);
    peaks[p] = vec2<i32>(select(r, r - hh, 2 * r > hh), select(c, c - ww, 2 * c > ww));
  }
}
