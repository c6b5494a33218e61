// The 'mpie' rule's object momentum and modulus bound (src/ptycho/update-rule.ts; CPU twin
// src/ptycho/momentum.ts), on the whole object, recorded between positions or batches:
//   mode 0: v ← friction·v + (O − O_last); O ← O + feedback·v; |O| ≤ bound; O_last ← O
//   mode 1: |O| ≤ bound only (end of an iteration).
// bound ≤ 0 means none.
#include "dispatch"

struct MomentumParams {
  count: u32,
  mode: u32,
  friction: f32,
  feedback: f32,
  bound: f32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> obj: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> last: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> vel: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> mp: MomentumParams;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= mp.count) { return; }
  var o = obj[i];
  if (mp.mode == 0u) {
    let v = mp.friction * vel[i] + (o - last[i]);
    vel[i] = v;
    o = o + mp.feedback * v;
  }
  let m2 = dot(o, o);
  if (mp.bound > 0.0 && m2 > mp.bound * mp.bound) { o = o * (mp.bound / sqrt(m2)); }
  obj[i] = o;
  if (mp.mode == 0u) { last[i] = o; }
}
