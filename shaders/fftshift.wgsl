// fftshift / ifftshift over the last two axes of batched complex frames (numpy's roll by
// ±floor(n/2) per axis): out[(y + SHIFT_Y) % H, (x + SHIFT_X) % W] = in[y, x]. Out of place.
#include "dispatch"

override H: u32 = 256u;
override W: u32 = 256u;
override SHIFT_Y: u32 = 128u;
override SHIFT_X: u32 = 128u;

struct Params {
  count: u32,                      // batch * H * W complex elements
  pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_id(gid, nwg, 64u);
  if (i >= params.count) {
    return;
  }
  let x = i % W;
  let y = (i / W) % H;
  let frame = i - (y * W + x);
  dst[frame + ((y + SHIFT_Y) % H) * W + (x + SHIFT_X) % W] = src[i];
}
