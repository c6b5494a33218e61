// Plain complex copy (one vec2<f32> per invocation): the memory-bandwidth reference the
// FFT benchmark compares against (an FFT axis pass reads and writes the data once).
#include "dispatch"

struct Params {
  count: u32,
  pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_id(gid, nwg, 64u);
  if (i < params.count) {
    dst[i] = src[i];
  }
}
