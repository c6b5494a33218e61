// Position refinement terms (src/ptycho/positions.ts, CPU twin positionTerms): per position
// of the cursor's steps, after the inverse FFT (psi = Δψ) and before the object update,
//   [Σ Re((P ∂x O)* Δψ), Σ |P ∂x O|², Σ Re((P ∂y O)* Δψ), Σ |P ∂y O|²]
// with central differences of the object; one workgroup per position (workgroup_id.x = slot
// in the batch), written to sums[cursor.base + slot]. Probes: `probe` holds the position's
// probe modes, at slot × K frames (parallel: the shifted probes) or 0 (sequential: stride 0).
#include "complex"
#include "epie_types"

@group(0) @binding(0) var<storage, read> probe: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> obj: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> psi: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> sums: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> steps: array<Step>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<uniform> cursor: Cursor;

var<workgroup> red: array<vec4<f32>, 256>;

fn terms(slot: u32, lid: u32, probe_slot: u32) {
  let st = steps[cursor.base + slot];
  var acc = vec4<f32>(0.0);
  for (var i = lid; i < params.n; i += 256u) {
    let oi = object_index(st, i, params.w, params.obj_w);
    let gx = 0.5 * (obj[oi + 1u] - obj[oi - 1u]);
    let gy = 0.5 * (obj[oi + params.obj_w] - obj[oi - params.obj_w]);
    for (var k = 0u; k < params.K; k++) {
      let p = probe[(probe_slot * params.K + k) * params.n + i];
      let d = psi[(slot * params.K + k) * params.n + i];
      let a = cmul(p, gx);
      let b = cmul(p, gy);
      acc += vec4<f32>(dot(a, d), dot(a, a), dot(b, d), dot(b, b));
    }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { sums[cursor.base + slot] = red[0]; }
}

// Parallel mode: probe = the batch's shifted probes, one slot each.
@compute @workgroup_size(256)
fn batch(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (wg.x >= cursor.count) { return; }
  terms(wg.x, lid, wg.x);
}

// Sequential mode: probe = the probe in the chain frame (one set of modes).
@compute @workgroup_size(256)
fn sequential(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  terms(0u, lid, 0u);
}
