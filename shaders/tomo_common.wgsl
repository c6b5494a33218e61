// Shared by the tomography kernels (src/tomo/project.gpu.ts). Geometry as in
// src/tomo/geometry.ts: voxel (ix, iy) at x = ix − (nx−1)/2, y = iy − (ny−1)/2 lands on
// detector column u = x·c + y·s + centre, with (c, s, centre, 0) per angle in `table`.
// Slab arrays: volume [rows, ny, nx], projections [nAngles, rows, cols].
struct TomoParams {
  nx: u32,
  ny: u32,
  cols: u32,
  n_angles: u32,
  rows: u32,
  // 1: R is [nAngles, rows, cols] and C [rows, ny, nx] (masks); 0: R [nAngles, cols], C [ny, nx]
  weights_per_slice: u32,
  lo: f32,
  hi: f32,
  // ordered subsets: this dispatch's angles are [a0, a0 + n_sub); C of this subset at c_off
  a0: u32,
  n_sub: u32,
  c_off: u32,
  _pad: u32,
};
