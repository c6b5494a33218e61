// Sequential ePIE: multiplies the K probe modes' spectra by the phase ramp of the current
// step's (ddx, ddy), between a forward and an inverse FFT, so the probe moves from the last
// position's subpixel remainder to this one's (exact Fourier shift).
#include "complex"
#include "epie_types"

@group(0) @binding(0) var<storage, read_write> probe: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> steps: array<Step>;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<uniform> cursor: Cursor;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) { return; }
  let st = steps[cursor.base];
  let e = shift_ramp(i, params.h, params.w, st.ddx, st.ddy);
  for (var k = 0u; k < params.K; k++) {
    let p = k * params.n + i;
    probe[p] = cmul(probe[p], e);
  }
}
