// Sums each step's workgroup partials of (Σ(|Ψ| − √I)², Σ I) into one value per step, so
// one small read at the end of an iteration gives its error. One workgroup per step.
#include "dispatch"
#include "epie_types"

@group(0) @binding(0) var<storage, read> partials: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> step_err: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<uniform> cursor: Cursor;

var<workgroup> red: array<vec2<f32>, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = linear_id(wg, nwg, 1u);
  var acc = vec2<f32>(0.0, 0.0);
  if (s < cursor.count) {
    for (var t = lid; t < params.nwg; t += 64u) { acc += partials[s * params.nwg + t]; }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { red[lid] += red[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u && s < cursor.count) { step_err[s] = red[0]; }
}
