// Workgroup argmax over 256 invocations: each passes its own best (value, index); returns
// the largest value's index, the lowest index on ties (numpy's argmax). Needs uniform
// control flow: every invocation of the workgroup must call it.
const WG: u32 = 256u;
var<workgroup> best_v: array<f32, WG>;
var<workgroup> best_i: array<u32, WG>;

fn workgroup_argmax(lid: u32, bv: f32, bi: u32) -> u32 {
  best_v[lid] = bv;
  best_i[lid] = bi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      let ov = best_v[lid + s];
      let oi = best_i[lid + s];
      if (ov > best_v[lid] || (ov == best_v[lid] && oi < best_i[lid])) {
        best_v[lid] = ov;
        best_i[lid] = oi;
      }
    }
    workgroupBarrier();
  }
  return best_i[0];
}
