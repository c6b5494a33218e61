// Σ(p − FP(x))² of one SIRT iteration in two steps, so 200 iterations queue without any
// host round trip and the residual curve is read once per slab at the end:
//   partial: each workgroup sums CHUNK values per thread, then across its 256 threads
//   total:   one workgroup sums the partials into residual2[k] and advances k.
// cursor[0]: ray count, cursor[1]: partial count, cursor[2]: iteration k.
@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> residual2: array<f32>;
@group(0) @binding(3) var<storage, read_write> cursor: array<u32>;

const CHUNK: u32 = 16u;
var<workgroup> red: array<f32, 256>;

fn tree(lid: u32) {
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { red[lid] += red[lid + stride]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn partial(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let n = cursor[0];
  let start = (wg.x * 256u + lid) * CHUNK;
  var acc = 0.0;
  for (var i = start; i < min(start + CHUNK, n); i++) { acc += values[i]; }
  red[lid] = acc;
  tree(lid);
  if (lid == 0u) { partials[wg.x] = red[0]; }
}

@compute @workgroup_size(256)
fn total(@builtin(local_invocation_index) lid: u32) {
  let n = cursor[1];
  var acc = 0.0;
  for (var i = lid; i < n; i += 256u) { acc += partials[i]; }
  red[lid] = acc;
  tree(lid);
  if (lid == 0u) {
    let k = cursor[2];
    residual2[k] = red[0];
    cursor[2] = k + 1u;
  }
}
