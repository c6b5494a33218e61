// Linear invocation index for 1D work spread over a 2D grid (see src/gpu/dispatch.ts).
fn linear_id(gid: vec3<u32>, nwg: vec3<u32>, wg_size_x: u32) -> u32 {
  return gid.x + gid.y * (nwg.x * wg_size_x);
}
