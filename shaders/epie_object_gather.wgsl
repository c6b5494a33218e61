// Parallel-mode object step: one workgroup per TILE×TILE object tile touched by the batch,
// one invocation per pixel, gathering from every batch position whose window covers it
// (tile_slots lists them per tile), so each pixel is written by one invocation:
//   O += α·Σ_j num_j / ((1 − γ)·Σ_j den_j + γ·max_j max Σ|P_j|²).
// tile_info[t] = (tile index, first entry in tile_slots, entry count, 0).
#include "dispatch"
#include "epie_types"

@group(0) @binding(0) var<storage, read_write> obj: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> num: array<vec2<f32>>;   // shifted-probe buffer: numerators in mode-0 slots
@group(0) @binding(2) var<storage, read> den: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> maxes: array<u32>;
@group(0) @binding(4) var<storage, read> steps: array<Step>;
@group(0) @binding(5) var<storage, read> tile_info: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> tile_slots: array<u32>;
@group(0) @binding(7) var<uniform> params: Params;
@group(0) @binding(8) var<uniform> cursor: Cursor;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = linear_id(wg, nwg, 1u);
  if (t >= cursor.tile_count) { return; }
  let info = tile_info[cursor.tile_base + t];
  let r = i32((info.x / params.tiles_x) * TILE + lid.y);
  let c = i32((info.x % params.tiles_x) * TILE + lid.x);
  if (u32(r) >= params.obj_h || u32(c) >= params.obj_w) { return; }
  var acc = vec2<f32>(0.0, 0.0);
  var d = 0.0;
  var mx = 0.0;
  for (var e = info.y; e < info.y + info.z; e++) {
    let slot = tile_slots[e];
    let st = steps[cursor.base + slot];
    let u = r - st.iy;
    let v = c - st.ix;
    if (u < 0 || v < 0 || u32(u) >= params.h || u32(v) >= params.w) { continue; }
    let i = u32(u) * params.w + u32(v);
    acc += num[slot * params.K * params.n + i];
    d += den[slot * params.n + i].x;
    mx = max(mx, bitcast<f32>(maxes[2u * (cursor.base + slot)]));
  }
  let dd = (1.0 - params.gamma) * d + params.gamma * mx;
  if (dd > 0.0) {
    let oi = u32(r) * params.obj_w + u32(c);
    obj[oi] += (params.alpha / dd) * acc;
  }
}
