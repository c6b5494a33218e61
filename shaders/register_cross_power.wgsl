// Cross-power spectrum of every pair from its packed spectrum, one invocation per element.
// CPU twin: crossPowerSpectrum in src/register/cross-power.ts.
#include "register_common"
#include "dispatch"

@group(0) @binding(0) var<uniform> P: RegParams;
@group(0) @binding(1) var<storage, read> z: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> x: array<vec2<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = linear_id(gid, nwg, 256u);
  let frame = P.fft_h * P.fft_w;
  if (id >= P.n_pairs * frame) { return; }
  let base = (id / frame) * frame;
  let k = id % frame;
  let kr = k / P.fft_w;
  let kc = k % P.fft_w;
  x[id] = cross_power(z[id], z[base + neg_index(kr, kc, P.fft_h, P.fft_w)], (P.flags & 1u) != 0u);
}
