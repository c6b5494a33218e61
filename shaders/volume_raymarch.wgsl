// Volume rendering of a scalar volume [z, y, x] (e.g. the Ni oxidation state) by ray
// marching, front to back, emission-absorption. The volume stays in a storage buffer (the
// data the viewer already holds on the GPU); voxels without a value (outside the sample
// mask, stored as a sentinel below -1e29) are empty. One quarter (x > ½, z > ½ in box
// coordinates) can be cut away to show the inside; voxels above `threshold` are drawn
// opaque and outlined regions stand out (e.g. > Ni3+).

struct View {
  // Columns of the camera-to-box rotation (unit box centred at the origin).
  right: vec4<f32>,
  up: vec4<f32>,
  forward: vec4<f32>,
  // Volume dims (x, y, z) and the box's half extents (aspect-correct, longest = 0.5).
  dims: vec4<u32>,
  half: vec4<f32>,
  // min, max of the colour map; threshold; cut (0/1).
  range: vec4<f32>,
};

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> volume: array<f32>;
@group(0) @binding(2) var<storage, read> lut: array<u32>; // 256 packed 0x00BBGGRR

struct VsOut {
  @builtin(position) pos: vec4<f32>,
  @location(0) uv: vec2<f32>,
};

@vertex
fn vs(@builtin(vertex_index) i: u32) -> VsOut {
  // One triangle covering the screen.
  let p = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - 1.0;
  var o: VsOut;
  o.pos = vec4<f32>(p, 0.0, 1.0);
  o.uv = p;
  return o;
}

fn sample(p: vec3<f32>) -> f32 {
  // p in box coordinates [-half, half] -> voxel index (nearest).
  let t = (p / view.half.xyz) * 0.5 + 0.5;
  let d = vec3<f32>(view.dims.xyz);
  let q = clamp(vec3<u32>(t * d), vec3<u32>(0u), view.dims.xyz - vec3<u32>(1u));
  return volume[(q.z * view.dims.y + q.y) * view.dims.x + q.x];
}

fn colour(v: f32) -> vec3<f32> {
  let t = clamp((v - view.range.x) / max(view.range.y - view.range.x, 1e-6), 0.0, 1.0);
  let c = lut[u32(t * 255.0 + 0.5)];
  return vec3<f32>(f32(c & 255u), f32((c >> 8u) & 255u), f32((c >> 16u) & 255u)) / 255.0;
}

@fragment
fn fs(in: VsOut) -> @location(0) vec4<f32> {
  // Orthographic camera: rays along `forward`, starting on a plane behind the box.
  let origin = view.right.xyz * in.uv.x * 0.6 + view.up.xyz * in.uv.y * 0.6 - view.forward.xyz * 2.0;
  let dir = view.forward.xyz;
  // Slab intersection with the box.
  let inv = 1.0 / select(dir, vec3<f32>(1e-6), abs(dir) < vec3<f32>(1e-6));
  let t0 = (-view.half.xyz - origin) * inv;
  let t1 = (view.half.xyz - origin) * inv;
  let tnear = max(max(min(t0.x, t1.x), min(t0.y, t1.y)), min(t0.z, t1.z));
  let tfar = min(min(max(t0.x, t1.x), max(t0.y, t1.y)), max(t0.z, t1.z));
  let bg = vec3<f32>(1.0, 1.0, 1.0);
  if (tfar <= max(tnear, 0.0)) {
    return vec4<f32>(bg, 1.0);
  }
  let maxDim = f32(max(view.dims.x, max(view.dims.y, view.dims.z)));
  let step = 0.5 / maxDim;
  var acc = vec3<f32>(0.0);
  var alpha = 0.0;
  var t = max(tnear, 0.0);
  for (var k = 0u; k < 2048u; k = k + 1u) {
    if (t > tfar || alpha > 0.98) { break; }
    let p = origin + dir * t;
    let cut = view.range.w > 0.5 && p.x > 0.0 && p.z > 0.0;
    if (!cut) {
      let v = sample(p);
      if (v > -1e29) {
        // Above the threshold: dense (the regions to see); below: a light haze.
        let a = select(0.04, 0.5, v > view.range.z);
        let c = colour(v);
        acc = acc + (1.0 - alpha) * a * c;
        alpha = alpha + (1.0 - alpha) * a;
      }
    }
    t = t + step;
  }
  return vec4<f32>(acc + (1.0 - alpha) * bg, 1.0);
}
