// Exit waves psi[j, k] = P[j, k] · O(window of step j) for the positions of a batch
// (sequential mode: one position, P = the probe), and per step the maxima
// max Σ_k|P_k|² and max |O|² the update normalises by (atomicMax on the bit patterns of
// non-negative floats, which order like the floats). Grid: x over the pixels of a frame
// (PIXELS per invocation), y = position j.
#include "complex"
#include "epie_types"

@group(0) @binding(0) var<storage, read> probe: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> obj: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> psi: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> maxes: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read> steps: array<Step>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<uniform> cursor: Cursor;

var<workgroup> red: array<vec2<f32>, 256>;
const PIXELS: u32 = 4u;   // keep in step with EXIT_PIXELS in gpu-resources.ts

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = gid.y;
  let s = cursor.base + j;
  var m = vec2<f32>(0.0, 0.0);   // max (Σ_k|P_k|², |O|²) over this invocation's pixels
  if (j < cursor.count) {
    let st = steps[s];
    // PIXELS pixels per invocation, strided by the workgroup, to amortise the reduction.
    for (var t = 0u; t < PIXELS; t++) {
      let i = (gid.x / 256u) * 256u * PIXELS + t * 256u + lid;
      if (i >= params.n) { break; }
      let o = obj[object_index(st, i, params.w, params.obj_w)];
      var pw = 0.0;
      for (var k = 0u; k < params.K; k++) {
        let q = (j * params.K + k) * params.n + i;
        let p = probe[q];
        psi[q] = cmul(p, o);
        pw += cabs2(p);
      }
      m = max(m, vec2<f32>(pw, cabs2(o)));
    }
  }
  // Workgroup maximum in two levels (two barriers), then one atomic per workgroup.
  red[lid] = m;
  workgroupBarrier();
  if (lid < 16u) {
    var t = vec2<f32>(0.0, 0.0);
    for (var q = 0u; q < 16u; q++) { t = max(t, red[lid * 16u + q]); }
    red[lid * 16u] = t;
  }
  workgroupBarrier();
  if (lid == 0u && j < cursor.count) {
    var t = vec2<f32>(0.0, 0.0);
    for (var q = 0u; q < 16u; q++) { t = max(t, red[q * 16u]); }
    atomicMax(&maxes[2u * s], bitcast<u32>(t.x));
    atomicMax(&maxes[2u * s + 1u], bitcast<u32>(t.y));
  }
}
