// Back projection (voxel-driven) of a projection slab, one invocation per voxel: the sum
// over angles of the projection row linearly interpolated at the voxel's detector column
// (outside the detector = 0).
// MODE 0: out = BP(proj).
// MODE 1 (SIRT update): vol = clamp(vol + C ⊙ BP(proj), lo, hi), proj holding R ⊙ (p − FP(x)),
//         over the angles of one ordered subset (all angles for SIRT).
// CPU twin: src/tomo/project.cpu.ts (backSlice) and slices.cpu.ts (sirtJob).
#include "tomo_common"

override MODE: u32 = 0u;

@group(0) @binding(0) var<uniform> P: TomoParams;
@group(0) @binding(1) var<storage, read> table: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> proj: array<f32>;
@group(0) @binding(3) var<storage, read_write> vol: array<f32>;
@group(0) @binding(4) var<storage, read> cw: array<f32>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let ix = gid.x;
  let iy = gid.y;
  let z = gid.z;
  if (ix >= P.nx || iy >= P.ny) { return; }
  let x = f32(ix) - (f32(P.nx) - 1.0) * 0.5;
  let y = f32(iy) - (f32(P.ny) - 1.0) * 0.5;
  let ncols = i32(P.cols);
  var acc = 0.0;
  for (var a = P.a0; a < P.a0 + P.n_sub; a++) {
    let t = table[a];
    let uf = x * t.x + y * t.y + t.z;
    let i0 = floor(uf);
    let i = i32(i0);
    let f = uf - i0;
    let row = (a * P.rows + z) * P.cols;
    // branch-free: clamped reads, weights select()ed to 0 outside the detector
    let p0 = proj[row + u32(clamp(i, 0, ncols - 1))];
    let p1 = proj[row + u32(clamp(i + 1, 0, ncols - 1))];
    acc += select(0.0, p0 * (1.0 - f), i >= 0 && i < ncols) + select(0.0, p1 * f, i + 1 >= 0 && i + 1 < ncols);
  }
  let idx = (z * P.ny + iy) * P.nx + ix;
  if (MODE == 0u) {
    vol[idx] = acc;
  } else {
    var c: f32;
    if (P.weights_per_slice == 1u) { c = cw[P.c_off + idx]; } else { c = cw[P.c_off + iy * P.nx + ix]; }
    vol[idx] = clamp(vol[idx] + c * acc, P.lo, P.hi);
  }
}
