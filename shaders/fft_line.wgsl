// One axis of a batched 2D FFT with whole lines in workgroup memory (Stockham autosort).
// Each invocation holds 16 points of a line in registers; a workgroup of WG_SIZE invocations
// transforms WG_SIZE*16/N lines (rows or columns) of N = 2^LOG_N points in ceil(LOG_N/4)
// stages: radix 16, the last one radix N/16^(stages-1). The first stage reads global memory,
// the last writes it; stages exchange through two halves of workgroup memory, one barrier
// per exchange. The line length is an override (the compiler folds the stage structure);
// axis, frame size and direction are uniforms, so one pipeline per line length serves rows,
// columns and both directions (compiles cost seconds on CPU adapters).
// Twiddles: a table of exp(-2πi n/4096) built in f64 on the host, two reads per stage
// (powers16). The inverse conjugates on load and store (conj = -1) and scales by 1/N.
#include "complex"
#include "fft_radix"

override WG_SIZE: u32 = 64u;       // invocations per workgroup (a power of two)
override SHARED: u32 = 2048u;      // 2 * WG_SIZE * 16 points (two halves)
override LOG_N: u32 = 8u;          // line length N = 2^LOG_N (16..WG_SIZE*16)

const TW_N: u32 = 4096u;           // twiddle table length (largest line)

struct Params {
  workgroups: u32,                 // workgroups that hold lines (the grid may have more)
  lines: u32,                      // lines in the batch (the last workgroup may have fewer)
  conj: f32,                       // 1 forward, -1 inverse
  scale: f32,                      // 1 forward, 1/N inverse
  columns: u32,                    // 0: rows (contiguous), 1: columns (stride = width)
  log_w: u32,                      // frame width 2^log_w (columns only)
  log_h: u32,                      // frame height 2^log_h (columns only)
}

@group(0) @binding(0) var<storage, read_write> data: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> twiddles: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

// Two halves: a stage reads one and writes the other, so one barrier per exchange.
var<workgroup> sh: array<vec2<f32>, SHARED>;

fn saddr(p: u32, s_mul: u32, s_add: u32) -> u32 {
  return (p ^ ((p >> 4u) & 15u)) * s_mul + s_add;
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(local_invocation_index) li: u32,
        @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let wg = wid.x + wid.y * nwg.x;
  if (wg >= params.workgroups) {
    return;
  }
  let log_n = LOG_N;
  let stages = (log_n + 3u) / 4u;
  let last_radix = 1u << (log_n - 4u * (stages - 1u));
  let log_t = log_n - 4u;           // invocations per line T = N/16
  let t = 1u << log_t;
  let log_lines = firstTrailingBit(WG_SIZE) - log_t;
  // Rows: a line's invocations are adjacent. Columns: adjacent invocations take adjacent
  // columns, so global reads and writes stay contiguous across the workgroup.
  var lw: u32;
  var j: u32;
  if (params.columns != 0u) {
    lw = li & ((1u << log_lines) - 1u);
    j = li >> log_lines;
  } else {
    lw = li >> log_t;
    j = li & (t - 1u);
  }
  let line = (wg << log_lines) + lw;
  // Lines past the batch's end (last workgroup) skip global memory but keep the barriers.
  let valid = line < params.lines;
  var base: u32;
  var stride: u32;
  if (params.columns != 0u) {
    base = ((line >> params.log_w) << (params.log_w + params.log_h)) + (line & ((1u << params.log_w) - 1u));
    stride = 1u << params.log_w;
  } else {
    base = line << log_n;
    stride = 1u;
  }
  // Workgroup-memory address of point p of this line: rows keep a line contiguous, columns
  // interleave their lines (adjacent invocations, adjacent addresses); p is XOR-swizzled so
  // the stride-16 accesses of a radix-16 stage hit distinct banks on GPUs.
  var s_mul: u32;
  var s_add: u32;
  if (params.columns != 0u) {
    s_mul = 1u << log_lines;
    s_add = lw;
  } else {
    s_mul = 1u;
    s_add = lw << log_n;
  }
  let load_mul = vec2<f32>(1.0, params.conj);
  let store_mul = vec2<f32>(params.scale, params.scale * params.conj);

  var v: array<vec2<f32>, 16>;
  if (valid) {
    for (var m = 0u; m < 16u; m++) {
      v[m] = data[base + (j + t * m) * stride] * load_mul;
    }
  }
  if (stages == 1u) {
    v = dft16(v);
  } else {
    let half = SHARED / 2u;
    // First stage: radix 16, no twiddles (ns = 1): element r of butterfly j goes to 16j + r.
    v = dft16(v);
    for (var m = 0u; m < 16u; m++) {
      sh[saddr(16u * j + m, s_mul, s_add)] = v[m];
    }
    workgroupBarrier();
    var src = 0u;                   // half holding the previous stage's output
    // Middle stages: radix 16, twiddles w^(m*k), w = exp(-2πi/(16 ns)), k = j mod ns.
    var log_ns = 4u;
    for (var s = 2u; s < stages; s++) {
      let ns = 1u << log_ns;
      let k = j & (ns - 1u);
      let tw_step = TW_N >> (log_ns + 4u);
      let pw = powers16(twiddles[k * tw_step], twiddles[4u * k * tw_step]);
      for (var m = 0u; m < 16u; m++) {
        v[m] = cmul(sh[src + saddr(j + t * m, s_mul, s_add)], pw[m]);
      }
      v = dft16(v);
      src = half - src;
      let out = ((j >> log_ns) << (log_ns + 4u)) + k;
      for (var m = 0u; m < 16u; m++) {
        sh[src + saddr(out + (m << log_ns), s_mul, s_add)] = v[m];
      }
      workgroupBarrier();
      log_ns += 4u;
    }
    // Last stage: radix R = last_radix as 16/R butterflies b = j + q*t over m = q + r*(16/R).
    // Element r of butterfly b gets w^(r*b), w = exp(-2πi/N), = (w^j)^r * exp(-2πi r*q/16)
    // since t = N/16; the result lands at j + t*m.
    let radix = last_radix;
    let log_per = 4u - firstTrailingBit(radix);
    let tw_step = TW_N >> log_n;
    let pw = powers16(twiddles[j * tw_step], twiddles[4u * j * tw_step]);
    for (var m = 0u; m < 16u; m++) {
      let x = sh[src + saddr(j + t * m, s_mul, s_add)];
      let r = m >> log_per;
      if (log_per == 0u) {
        v[m] = cmul(x, pw[m]);
      } else {
        v[m] = cmul(x, cmul(pw[r], W16[(r * (m & ((1u << log_per) - 1u))) & 15u]));
      }
    }
    v = butterflies(v, radix);
  }
  if (valid) {
    for (var m = 0u; m < 16u; m++) {
      data[base + (j + t * m) * stride] = v[m] * store_mul;
    }
  }
}
