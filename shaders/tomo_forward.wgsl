// Forward projection (ray-driven Joseph) of a volume slab, one invocation per ray
// (column u, row z, angle a): step one voxel along the slice axis closest to the ray,
// interpolate linearly across the other (outside = 0), scale by 1/max(|cos|, |sin|).
// MODE 0: out = FP(vol).
// MODE 1 (SIRT): out = R ⊙ (p − FP(vol)), and Σ(p − FP(vol))² of this workgroup's rays
//         into partials[workgroup] (reduced per iteration by tomo_reduce).
// CPU twin: src/tomo/project.cpu.ts (forwardSlice) and slices.cpu.ts (sirtJob).
#include "tomo_common"

override MODE: u32 = 0u;

@group(0) @binding(0) var<uniform> P: TomoParams;
@group(0) @binding(1) var<storage, read> table: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> vol: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> proj: array<f32>;
@group(0) @binding(5) var<storage, read> rw: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials: array<f32>;

var<workgroup> red: array<f32, 64>;

fn voxel(base: u32, ix: i32, iy: i32) -> f32 {
  if (ix < 0 || iy < 0 || ix >= i32(P.nx) || iy >= i32(P.ny)) { return 0.0; }
  return vol[base + u32(iy) * P.nx + u32(ix)];
}

fn ray_sum(u: u32, z: u32, a: u32) -> f32 {
  let t = table[a];
  let c = t.x;
  let s = t.y;
  let hx = (f32(P.nx) - 1.0) * 0.5;
  let hy = (f32(P.ny) - 1.0) * 0.5;
  let base = z * P.nx * P.ny;
  let tu = f32(u) - t.z;
  var acc = 0.0;
  if (abs(c) >= abs(s)) {
    let w = 1.0 / abs(c);
    for (var iy = 0u; iy < P.ny; iy++) {
      let xf = (tu - (f32(iy) - hy) * s) / c + hx;
      let i0 = floor(xf);
      let f = xf - i0;
      let i = i32(i0);
      let v0 = voxel(base, i, i32(iy));
      let v1 = voxel(base, i + 1, i32(iy));
      acc += v0 + f * (v1 - v0);
    }
    return acc * w;
  }
  let w = 1.0 / abs(s);
  for (var ix = 0u; ix < P.nx; ix++) {
    let yf = (tu - (f32(ix) - hx) * c) / s + hy;
    let i0 = floor(yf);
    let f = yf - i0;
    let i = i32(i0);
    let v0 = voxel(base, i32(ix), i);
    let v1 = voxel(base, i32(ix), i + 1);
    acc += v0 + f * (v1 - v0);
  }
  return acc * w;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = gid.x;
  let z = gid.y;
  let a = gid.z;
  let inside = u < P.cols;
  var d2 = 0.0;
  if (inside) {
    let fp = ray_sum(u, z, a);
    let idx = (a * P.rows + z) * P.cols + u;
    if (MODE == 0u) {
      out[idx] = fp;
    } else {
      let d = proj[idx] - fp;
      d2 = d * d;
      var r: f32;
      if (P.weights_per_slice == 1u) { r = rw[idx]; } else { r = rw[a * P.cols + u]; }
      out[idx] = r * d;
    }
  }
  if (MODE == 1u) {
    red[lid] = d2;
    workgroupBarrier();
    for (var stride = 32u; stride > 0u; stride >>= 1u) {
      if (lid < stride) { red[lid] += red[lid + stride]; }
      workgroupBarrier();
    }
    if (lid == 0u) {
      partials[(wg.z * nwg.y + wg.y) * nwg.x + wg.x] = red[0];
    }
  }
}
