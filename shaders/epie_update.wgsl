// ePIE updates from Δψ (psi after the inverse FFT).
// update_sequential (one position): O += α·Σ_k P_k*·Δψ_k / ((1 − γO)Σ_k|P_k|² + γO·max Σ|P|²)
//   and, when probe updates are on, P_k += β·O*·Δψ_k / ((1 − γP)|O|² + γP·max|O|²) with the
//   object before its update (γ = 1: ePIE's steps; the 'mpie' rule's rPIE steps otherwise).
// batch_terms (parallel mode, every position of a batch; the object is only read): the
//   object-step numerator Σ_k P_k*·Δψ_k (into the shifted-probe buffer, slot of mode 0),
//   the denominators (Σ_k|P_k|², |O|²) into `den`, and Δψ_k replaced by the probe gradient
//   O*·Δψ_k. epie_object_gather and epie_probe_reduce then apply them.
// Grid: x pixels, y = position j (1 for update_sequential).
#include "complex"
#include "epie_types"

@group(0) @binding(0) var<storage, read_write> probe: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> obj: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> psi: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> maxes: array<u32>;
@group(0) @binding(4) var<storage, read> steps: array<Step>;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<uniform> cursor: Cursor;
@group(0) @binding(7) var<storage, read_write> den: array<vec2<f32>>;

@compute @workgroup_size(256)
fn update_sequential(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) { return; }
  let s = cursor.base;
  let st = steps[s];
  let mp = bitcast<f32>(maxes[2u * s]);
  let mo = bitcast<f32>(maxes[2u * s + 1u]);
  let oi = object_index(st, i, params.w, params.obj_w);
  let o = obj[oi];
  // rPIE denominators (1 − γ)|·|² + γ·max; γ = 1 gives ePIE's α/max Σ|P|², β/max|O|².
  let dp = (1.0 - params.gamma_p) * cabs2(o) + params.gamma_p * mo;
  let b = select(0.0, params.beta / dp, params.update_probe != 0u && mo > 0.0 && dp > 0.0);
  var u = vec2<f32>(0.0, 0.0);
  var pw = 0.0;
  for (var k = 0u; k < params.K; k++) {
    let q = k * params.n + i;
    let p = probe[q];
    let d = psi[q];
    u += cmulconj(d, p);
    pw += cabs2(p);
    if (b > 0.0) { probe[q] = p + b * cmulconj(d, o); }
  }
  let dO = (1.0 - params.gamma_o) * pw + params.gamma_o * mp;
  let a = select(0.0, params.alpha / dO, mp > 0.0 && dO > 0.0);
  obj[oi] = o + a * u;
}

@compute @workgroup_size(256)
fn batch_terms(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let j = gid.y;
  if (i >= params.n || j >= cursor.count) { return; }
  let st = steps[cursor.base + j];
  let o = obj[object_index(st, i, params.w, params.obj_w)];
  var u = vec2<f32>(0.0, 0.0);
  var pw = 0.0;
  for (var k = 0u; k < params.K; k++) {
    let q = (j * params.K + k) * params.n + i;
    let p = probe[q];
    let d = psi[q];
    u += cmulconj(d, p);
    pw += cabs2(p);
    psi[q] = cmulconj(d, o);
  }
  probe[j * params.K * params.n + i] = u;           // numerator, in the (spent) mode-0 slot
  den[j * params.n + i] = vec2<f32>(pw, cabs2(o));
}
