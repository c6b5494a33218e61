// Upsampled DFT, second matrix product. Workgroup (u, pair): the real correlation on the
// refinement grid, grid[u, v] = Re Σ_{k=0}^{H/2} C[k, v] · row[u][k].
// CPU twin: RefineWork.refine (stage 2) in src/register/correlate.cpu.ts.
#include "register_common"

@group(0) @binding(0) var<uniform> P: RegParams;
@group(0) @binding(1) var<storage, read> c: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> row: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> grid: array<f32>;

const WG: u32 = 64u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let u = wg.x;
  let p = wg.y;
  let r = P.region;
  let kh = P.half_h;
  let cb = p * kh * r;
  for (var v = lid.x; v < r; v += WG) {
    var acc = 0.0;
    for (var k = 0u; k < kh; k++) {
      let cv = c[cb + k * r + v];
      let t = row[u * kh + k];
      acc += cv.x * t.x - cv.y * t.y;
    }
    grid[(p * r + u) * r + v] = acc;
  }
}
