// Sums one SIRT iteration's workgroup partials of Σ(p − FP(x))² into residual2[k] and
// advances k, so 200 iterations queue without any host round trip; the residual curve is
// read once per slab at the end. One workgroup.
@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> residual2: array<f32>;
// cursor[0]: partial count, cursor[1]: iteration k (incremented here)
@group(0) @binding(2) var<storage, read_write> cursor: array<u32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  let n = cursor[0];
  var acc = 0.0;
  for (var i = lid; i < n; i += 256u) { acc += partials[i]; }
  red[lid] = acc;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { red[lid] += red[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let k = cursor[1];
    residual2[k] = red[0];
    cursor[1] = k + 1u;
  }
}
