// Forward projection (ray-driven Joseph) of a volume slab, one invocation per ray
// (column u, row z, angle a): step one voxel along the slice axis closest to the ray,
// interpolate linearly across the other (outside = 0), scale by 1/max(|cos|, |sin|).
// MODE 0: out = FP(vol).
// MODE 1 (SIRT): out = R ⊙ (p − FP(vol)) and d2[ray] = (p − FP(vol))², summed per
//         iteration by tomo_reduce (no workgroup barrier here: on software adapters a
//         barrier costs more than the ray).
// CPU twin: src/tomo/project.cpu.ts (forwardSlice) and slices.cpu.ts (sirtJob).
#include "tomo_common"

override MODE: u32 = 0u;

@group(0) @binding(0) var<uniform> P: TomoParams;
@group(0) @binding(1) var<storage, read> table: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> vol: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> proj: array<f32>;
@group(0) @binding(5) var<storage, read> rw: array<f32>;
@group(0) @binding(6) var<storage, read_write> d2: array<f32>;

// Sum over the n steps of a line whose cross coordinate is p0 + k·dp (k = 0 … n−1), reading
// samples at base + i·cross_stride + k·step_stride, i in [0, m), linear, zero outside.
// Branch-free (clamped reads, select()ed weights): lanes never diverge, which keeps SIMD
// lanes full on GPUs and on software rasterisers alike.
fn line_sum(base: u32, p0: f32, dp: f32, n: u32, m: u32, cross_stride: u32, step_stride: u32) -> f32 {
  var acc = 0.0;
  let mi = i32(m);
  for (var k = 0u; k < n; k++) {
    let p = p0 + f32(k) * dp;
    let fi = floor(p);
    let i = i32(fi);
    let f = p - fi;
    let row = base + k * step_stride;
    let v0 = vol[row + u32(clamp(i, 0, mi - 1)) * cross_stride];
    let v1 = vol[row + u32(clamp(i + 1, 0, mi - 1)) * cross_stride];
    acc += select(0.0, v0 * (1.0 - f), i >= 0 && i < mi) + select(0.0, v1 * f, i + 1 >= 0 && i + 1 < mi);
  }
  return acc;
}

fn ray_sum(u: u32, z: u32, a: u32) -> f32 {
  let t = table[a];
  let c = t.x;
  let s = t.y;
  let hx = (f32(P.nx) - 1.0) * 0.5;
  let hy = (f32(P.ny) - 1.0) * 0.5;
  let base = z * P.nx * P.ny;
  let tu = f32(u) - t.z;
  if (abs(c) >= abs(s)) {
    // step along y: x = (tu − y·s)/c, linear in the step
    let inv = 1.0 / c;
    return line_sum(base, (tu + hy * s) * inv + hx, -s * inv, P.ny, P.nx, 1u, P.nx) / abs(c);
  }
  let inv = 1.0 / s;
  return line_sum(base, (tu + hx * c) * inv + hy, -c * inv, P.nx, P.ny, P.nx, 1u) / abs(s);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let u = gid.x;
  let z = gid.y;
  let a = P.a0 + gid.z;
  if (u >= P.cols) { return; }
  let fp = ray_sum(u, z, a);
  let idx = (a * P.rows + z) * P.cols + u;
  if (MODE == 0u) {
    out[idx] = fp;
    return;
  }
  let d = proj[idx] - fp;
  var r: f32;
  if (P.weights_per_slice == 1u) { r = rw[idx]; } else { r = rw[a * P.cols + u]; }
  out[idx] = r * d;
  d2[idx] = d * d;
}
