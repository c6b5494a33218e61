// One workgroup per pair: subtract each image's mean inside its mask, multiply by the window
// and the (tapered) mask weight, zero-pad into
// the FFT frame, reference in the real part, moving image in the imaginary part.
// CPU twin: packPair in src/register/pairs.ts.
#include "register_common"

@group(0) @binding(0) var<uniform> P: RegParams;
@group(0) @binding(1) var<storage, read> ref_img: array<f32>;
@group(0) @binding(2) var<storage, read> mov_img: array<f32>;
@group(0) @binding(3) var<storage, read> window: array<f32>;
@group(0) @binding(4) var<storage, read> ref_mask: array<f32>;
@group(0) @binding(5) var<storage, read> mov_mask: array<f32>;
@group(0) @binding(6) var<storage, read_write> z: array<vec2<f32>>;

const WG: u32 = 256u;
var<workgroup> partial: array<vec4<f32>, WG>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = wg.x;
  let hw = P.h * P.w;
  let rb = p * P.ref_stride;
  let mb = p * hw;
  let rmb = p * P.ref_mask_stride;
  let mmb = p * P.mov_mask_stride;
  let has_rm = (P.flags & 2u) != 0u;
  let has_mm = (P.flags & 4u) != 0u;
  // (Σ ref, count ref, Σ mov, count mov) inside the masks; select() keeps NaN outside a mask out.
  var acc = vec4<f32>(0.0);
  for (var i = lid.x; i < hw; i += WG) {
    let rin = !has_rm || ref_mask[rmb + i] != 0.0;
    let min_ = !has_mm || mov_mask[mmb + i] != 0.0;
    acc += vec4<f32>(select(0.0, ref_img[rb + i], rin), select(0.0, 1.0, rin), select(0.0, mov_img[mb + i], min_), select(0.0, 1.0, min_));
  }
  partial[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { partial[lid.x] += partial[lid.x + s]; }
    workgroupBarrier();
  }
  let tot = partial[0];
  let ref_mean = select(0.0, tot.x / tot.y, tot.y > 0.0);
  let mov_mean = select(0.0, tot.z / tot.w, tot.w > 0.0);
  let frame = P.fft_h * P.fft_w;
  let zb = p * frame;
  for (var i = lid.x; i < frame; i += WG) {
    let y = i / P.fft_w;
    let x = i % P.fft_w;
    var v = vec2<f32>(0.0);
    if (y < P.h && x < P.w) {
      let q = y * P.w + x;
      let wv = window[q];
      var rw = 1.0;
      var mw = 1.0;
      if (has_rm) { rw = ref_mask[rmb + q]; }
      if (has_mm) { mw = mov_mask[mmb + q]; }
      v = vec2<f32>(select(0.0, (ref_img[rb + q] - ref_mean) * wv * rw, rw > 0.0), select(0.0, (mov_img[mb + q] - mov_mean) * wv * mw, mw > 0.0));
    }
    z[zb + i] = v;
  }
}
