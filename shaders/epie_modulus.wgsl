// Fourier modulus constraint for the K modes of each position of a batch, in place:
// psi_k <- psi_k · (√I / √Σ_k|psi_k|² − 1), the change Ψ' − Ψ (zero where the amplitude is
// the mask flag −1, so the model is kept there). Each workgroup also writes its partial
// (Σ(|Ψ| − √I)², Σ I) over valid pixels for the iteration's error.
// Grid: x = params.nwg workgroups striding over a frame's pixels, y = position j.
#include "complex"
#include "epie_types"

@group(0) @binding(0) var<storage, read_write> psi: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> amp: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> steps: array<Step>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<uniform> cursor: Cursor;

var<workgroup> red: array<vec2<f32>, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = wg.y;
  let s = cursor.base + j;
  var acc = vec2<f32>(0.0, 0.0);
  if (j < cursor.count) {
    let st = steps[s];
    let abase = st.frame * params.n;
    for (var i = wg.x * 256u + lid; i < params.n; i += params.nwg * 256u) {
      let a = amp[abase + i];
      var sum = 0.0;
      for (var k = 0u; k < params.K; k++) { sum += cabs2(psi[(j * params.K + k) * params.n + i]); }
      var f = 0.0;
      if (a >= 0.0) {
        let m = sqrt(sum);
        acc += vec2<f32>((m - a) * (m - a), a * a);
        f = select(0.0, a / m - 1.0, m > 0.0);
      }
      for (var k = 0u; k < params.K; k++) {
        let q = (j * params.K + k) * params.n + i;
        psi[q] = psi[q] * f;
      }
    }
  }
  // Two-level sum with two barriers (software adapters pay per barrier).
  red[lid] = acc;
  workgroupBarrier();
  if (lid < 16u) {
    var t = vec2<f32>(0.0, 0.0);
    for (var q = 0u; q < 16u; q++) { t += red[lid * 16u + q]; }
    red[lid * 16u] = t;
  }
  workgroupBarrier();
  if (lid == 0u && j < cursor.count) {
    var t = vec2<f32>(0.0, 0.0);
    for (var q = 0u; q < 16u; q++) { t += red[q * 16u]; }
    partials[s * params.nwg + wg.x] = t;
  }
}
