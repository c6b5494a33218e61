// Upsampled DFT, first matrix product. Workgroup (k, pair) for rows k = 0..H/2 of the
// half spectrum: C[k, v] = w_k · K_H(k, s0r) · Σ_l P[k, l] · K_W(l, s0c) · col[l][v],
// with w_k = 2 except at k = 0 and H/2 (rows −k add the complex conjugate), the Nyquist row
// kept real. The row is staged in workgroup memory TILE columns at a time.
// CPU twin: RefineWork.refine (stage 1) in src/register/correlate.cpu.ts.
#include "register_common"

@group(0) @binding(0) var<uniform> P: RegParams;
@group(0) @binding(1) var<storage, read> z: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> peaks: array<vec2<i32>>;
@group(0) @binding(3) var<storage, read> col: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> c: array<vec2<f32>>;

override TILE: u32 = 256u;
const WG: u32 = 64u;
var<workgroup> row: array<vec2<f32>, TILE>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let k = wg.x;
  let p = wg.y;
  let s0 = peaks[p];
  let phase = (P.flags & 1u) != 0u;
  let fh = P.fft_h;
  let fw = P.fft_w;
  let zb = p * fh * fw;
  let r = P.region;
  let ob = (p * P.half_h + k) * r;
  for (var l0 = 0u; l0 < fw; l0 += TILE) {
    for (var i = lid.x; i < TILE; i += WG) {
      let l = l0 + i;
      let pk = cross_power(z[zb + k * fw + l], z[zb + neg_index(k, l, fh, fw)], phase);
      row[i] = cmul(pk, kernel_at(l, fw, s0.y, 0, P.upsample));
    }
    workgroupBarrier();
    for (var v = lid.x; v < r; v += WG) {
      var acc = vec2<f32>(0.0);
      for (var i = 0u; i < TILE; i++) {
        acc += cmul(row[i], col[(l0 + i) * r + v]);
      }
      if (l0 == 0u) { c[ob + v] = acc; } else { c[ob + v] += acc; }
    }
    workgroupBarrier();
  }
  let wk = select(2.0, 1.0, k == 0u || 2u * k == fh);
  let b = wk * kernel_at(k, fh, s0.x, 0, P.upsample);
  for (var v = lid.x; v < r; v += WG) {
    var out = cmul(c[ob + v], b);
    if (2u * k == fh) { out.y = 0.0; }
    c[ob + v] = out;
  }
}
