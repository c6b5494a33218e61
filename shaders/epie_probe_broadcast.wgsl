// Parallel ePIE: the shifted probe spectra of every position of a batch,
// ps[j, k] = Q[k] · ramp(dx_j, dy_j), from the Fourier-space probe Q; an inverse FFT follows.
// Grid: x over the pixels of a frame, y = position j of the batch.
#include "complex"
#include "epie_types"

@group(0) @binding(0) var<storage, read> q: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> ps: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> steps: array<Step>;
@group(0) @binding(3) var<uniform> params: Params;
@group(0) @binding(4) var<uniform> cursor: Cursor;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let j = gid.y;
  if (i >= params.n || j >= cursor.count) { return; }
  let st = steps[cursor.base + j];
  let e = shift_ramp(i, params.h, params.w, st.dx, st.dy);
  for (var k = 0u; k < params.K; k++) {
    ps[(j * params.K + k) * params.n + i] = cmul(q[k * params.n + i], e);
  }
}
