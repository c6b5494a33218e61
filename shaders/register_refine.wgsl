// One workgroup per pair: argmax of |grid| (first on ties) → refined shift s0 + m/U, then over
// the whole packed spectrum Σ|F|², Σ|G|² and the unnormalised correlation at that shift,
// for the error estimate. Writes 8 floats per pair: s0r, s0c, mr, mc, peak, ΣF², ΣG², CC.
// CPU twin: RefineWork.refine / correlationAt / finishPair in src/register.
#include "register_common"
#include "register_argmax"

@group(0) @binding(0) var<uniform> P: RegParams;
@group(0) @binding(1) var<storage, read> z: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> peaks: array<vec2<i32>>;
@group(0) @binding(3) var<storage, read> grid: array<f32>;
@group(0) @binding(4) var<storage, read_write> results: array<f32>;

var<workgroup> sums: array<vec3<f32>, WG>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = wg.x;
  let r = P.region;
  let gb = p * r * r;
  var bv = -1.0;
  var bi = 0u;
  for (var i = lid.x; i < r * r; i += WG) {
    let v = abs(grid[gb + i]);
    if (v > bv) { bv = v; bi = i; }
  }
  let at = workgroup_argmax(lid.x, bv, bi);
  let s0 = peaks[p];
  let mr = i32(at / r) - i32(P.center);
  let mc = i32(at % r) - i32(P.center);
  let fh = P.fft_h;
  let fw = P.fft_w;
  let zb = p * fh * fw;
  var acc = vec3<f32>(0.0);
  for (var i = lid.x; i < fh * fw; i += WG) {
    let kr = i / fw;
    let kc = i % fw;
    let a = z[zb + i];
    let b = z[zb + neg_index(kr, kc, fh, fw)];
    let bc = vec2<f32>(b.x, -b.y);
    let f = 0.5 * (a + bc);
    let d = a - bc;
    let g = vec2<f32>(0.5 * d.y, -0.5 * d.x);
    let kern = cmul(kernel_at(kr, fh, s0.x, mr, P.upsample), kernel_at(kc, fw, s0.y, mc, P.upsample));
    let pk = cmulconj(f, g);
    acc += vec3<f32>(dot(f, f), dot(g, g), pk.x * kern.x - pk.y * kern.y);
  }
  sums[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { sums[lid.x] += sums[lid.x + s]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let o = (P.pair_base + p) * 8u;
    results[o] = f32(s0.x);
    results[o + 1u] = f32(s0.y);
    results[o + 2u] = f32(mr);
    results[o + 3u] = f32(mc);
    results[o + 4u] = grid[gb + at];
    results[o + 5u] = sums[0].x;
    results[o + 6u] = sums[0].y;
    results[o + 7u] = sums[0].z;
  }
}
