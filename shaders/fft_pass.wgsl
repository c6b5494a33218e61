// One Stockham stage of one axis through global memory, for lines longer than workgroup
// memory holds (the multi-pass path): src -> dst, ping-ponged by the host. Each invocation
// runs 16/radix radix-`radix` butterflies of one line, the same register code as fft_line.
// The inverse conjugates on the first pass' load and the last pass' store, and scales there.
// Everything is a uniform, so one pipeline serves every size and stage.
#include "complex"
#include "fft_radix"

const TW_N: u32 = 4096u;

struct Params {
  invocations: u32,                // lines * N / 16
  conj: f32,                       // 1 forward, -1 inverse
  scale: f32,                      // 1 forward, 1/N inverse
  columns: u32,                    // 0: rows, 1: columns
  log_w: u32,                      // frame width 2^log_w
  log_h: u32,                      // frame height 2^log_h
  log_n: u32,                      // line length 2^log_n
  log_ns: u32,                     // log2 of the product of the radices already applied
  radix: u32,
  first: u32,                      // 1 on the axis' first pass (conjugate on load)
  last: u32,                       // 1 on the axis' last pass (conjugate and scale on store)
  pad0: u32,
}

@group(0) @binding(0) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> twiddles: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * (nwg.x * 64u);
  if (id >= params.invocations) {
    return;
  }
  let log_t = params.log_n - 4u;
  let t = 1u << log_t;
  var j: u32;
  var base: u32;
  var stride: u32;
  if (params.columns != 0u) {
    // Adjacent invocations take adjacent columns (contiguous global access).
    let log_w = params.log_w;
    let col = id & ((1u << log_w) - 1u);
    j = (id >> log_w) & (t - 1u);
    base = ((id >> (log_w + log_t)) << (log_w + params.log_h)) + col;
    stride = 1u << log_w;
  } else {
    j = id & (t - 1u);
    base = (id >> log_t) << params.log_n;
    stride = 1u;
  }
  let log_ns = params.log_ns;
  let ns = 1u << log_ns;
  let log_r = firstTrailingBit(params.radix);
  let log_per = 4u - log_r;
  let per_mask = (1u << log_per) - 1u;
  let load_mul = select(vec2<f32>(1.0), vec2<f32>(1.0, params.conj), params.first != 0u);
  let store_mul = select(vec2<f32>(1.0), vec2<f32>(params.scale, params.scale * params.conj), params.last != 0u);
  let tw_step = TW_N >> (log_ns + log_r);
  // Element r = m >> log_per of butterfly b = j + q*t (q = m & per_mask) gets w^(r*k), k = b mod ns.
  var v: array<vec2<f32>, 16>;
  for (var m = 0u; m < 16u; m++) {
    let k = (j + (m & per_mask) * t) & (ns - 1u);
    v[m] = cmul(src[base + (j + t * m) * stride] * load_mul, twiddles[(m >> log_per) * k * tw_step]);
  }
  v = butterflies(v, params.radix);
  for (var m = 0u; m < 16u; m++) {
    let b = j + (m & per_mask) * t;
    let idx = ((b >> log_ns) << (log_ns + log_r)) + (b & (ns - 1u)) + ((m >> log_per) << log_ns);
    dst[base + idx * stride] = v[m] * store_mul;
  }
}
