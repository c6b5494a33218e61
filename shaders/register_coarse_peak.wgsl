// One workgroup per pair: integer peak of |Re| of the inverse-FFT'd cross-power (first index
// on ties, as numpy's argmax), wrapped to a signed shift (index > N/2 → index − N).
// CPU twin: coarsePeak + wrapShift in src/register.
#include "register_common"

@group(0) @binding(0) var<uniform> P: RegParams;
@group(0) @binding(1) var<storage, read> x: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> peaks: array<vec2<i32>>;

const WG: u32 = 256u;
var<workgroup> best_v: array<f32, WG>;
var<workgroup> best_i: array<u32, WG>;

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
  best_v[lid.x] = bv;
  best_i[lid.x] = bi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
      let ov = best_v[lid.x + s];
      let oi = best_i[lid.x + s];
      if (ov > best_v[lid.x] || (ov == best_v[lid.x] && oi < best_i[lid.x])) {
        best_v[lid.x] = ov;
        best_i[lid.x] = oi;
      }
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let r = i32(best_i[0] / P.fft_w);
    let c = i32(best_i[0] % P.fft_w);
    let hh = i32(P.fft_h);
    let ww = i32(P.fft_w);
    peaks[p] = vec2<i32>(select(r, r - hh, 2 * r > hh), select(c, c - ww, 2 * c > ww));
  }
}
