// Orthogonalisation of K probe modes (twin of src/ptycho/modes.ts), three entry points run
// once per iteration without leaving the GPU:
//   gram: partial sums of A_ab = Σ conj(P_a)·P_b per workgroup (y = pair index a ≤ b);
//   eig:  one invocation sums them, diagonalises A by cyclic complex Jacobi rotations and
//         writes the eigenvectors, sorted by decreasing eigenvalue, to mix[j*K + k];
//   mix:  P'_k = Σ_j mix[j*K + k]·P_j per pixel (unitary: Σ_k|P_k|² is unchanged).
#include "complex"
#include "epie_types"

const MAX_MODES: u32 = 8u;
const MM: u32 = 64u;   // MAX_MODES²

@group(0) @binding(0) var<storage, read_write> probe: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> gram_partials: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> mixm: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> red: array<vec2<f32>, 256>;

fn pair_of(p: u32, K: u32) -> vec2<u32> {
  var idx = 0u;
  for (var a = 0u; a < K; a++) {
    for (var b = a; b < K; b++) {
      if (idx == p) { return vec2<u32>(a, b); }
      idx++;
    }
  }
  return vec2<u32>(0u, 0u);
}

@compute @workgroup_size(256)
fn gram(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ab = pair_of(wg.y, params.K);
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = wg.x * 256u + lid; i < params.n; i += params.nwg * 256u) {
    acc += cmulconj(probe[ab.y * params.n + i], probe[ab.x * params.n + i]);
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { red[lid] += red[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { gram_partials[wg.y * params.nwg + wg.x] = red[0]; }
}

@compute @workgroup_size(1)
fn eig() {
  let K = params.K;
  var A: array<vec2<f32>, MM>;
  var V: array<vec2<f32>, MM>;
  var p = 0u;
  for (var a = 0u; a < K; a++) {
    for (var b = a; b < K; b++) {
      var s = vec2<f32>(0.0, 0.0);
      for (var t = 0u; t < params.nwg; t++) { s += gram_partials[p * params.nwg + t]; }
      A[a * K + b] = s;
      A[b * K + a] = cconj(s);
      p++;
    }
    A[a * K + a] = vec2<f32>(A[a * K + a].x, 0.0);
    V[a * K + a] = vec2<f32>(1.0, 0.0);
  }
  for (var sweep = 0u; sweep < 30u; sweep++) {
    var off = 0.0;
    var diag = 0.0;
    for (var a = 0u; a < K; a++) {
      diag += A[a * K + a].x * A[a * K + a].x;
      for (var b = a + 1u; b < K; b++) { off += cabs2(A[a * K + b]); }
    }
    if (off <= 1e-12 * diag || off == 0.0) { break; }
    for (var pp = 0u; pp < K; pp++) {
      for (var qq = pp + 1u; qq < K; qq++) {
        let bpq = A[pp * K + qq];
        let beta = length(bpq);
        if (beta < 1e-30) { continue; }
        let theta = 0.5 * atan2(2.0 * beta, A[qq * K + qq].x - A[pp * K + pp].x);
        let c = cos(theta);
        let sn = sin(theta);
        let e = bpq / beta;                       // e^{iφ}
        let upp = vec2<f32>(c, 0.0);
        let upq = vec2<f32>(sn, 0.0);
        let uqp = -sn * cconj(e);                 // −s·e^{−iφ}
        let uqq = c * cconj(e);                   // c·e^{−iφ}
        for (var k = 0u; k < K; k++) {            // A ← A·U, V ← V·U (columns p, q)
          let x = A[k * K + pp];
          let y = A[k * K + qq];
          A[k * K + pp] = cmul(x, upp) + cmul(y, uqp);
          A[k * K + qq] = cmul(x, upq) + cmul(y, uqq);
          let vx = V[k * K + pp];
          let vy = V[k * K + qq];
          V[k * K + pp] = cmul(vx, upp) + cmul(vy, uqp);
          V[k * K + qq] = cmul(vx, upq) + cmul(vy, uqq);
        }
        for (var k = 0u; k < K; k++) {            // A ← Uᴴ·A (rows p, q)
          let x = A[pp * K + k];
          let y = A[qq * K + k];
          A[pp * K + k] = cmul(x, cconj(upp)) + cmul(y, cconj(uqp));
          A[qq * K + k] = cmul(x, cconj(upq)) + cmul(y, cconj(uqq));
        }
      }
    }
  }
  // Columns sorted by decreasing eigenvalue (selection order).
  var used: array<bool, MAX_MODES>;
  for (var dst = 0u; dst < K; dst++) {
    var best = 0u;
    var bestv = -3.4e38;
    for (var a = 0u; a < K; a++) {
      if (!used[a] && A[a * K + a].x > bestv) { bestv = A[a * K + a].x; best = a; }
    }
    used[best] = true;
    for (var r = 0u; r < K; r++) { mixm[r * K + dst] = V[r * K + best]; }
  }
}

@compute @workgroup_size(256)
fn mix(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) { return; }
  let K = params.K;
  var src: array<vec2<f32>, MAX_MODES>;
  for (var j = 0u; j < K; j++) { src[j] = probe[j * params.n + i]; }
  for (var k = 0u; k < K; k++) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var j = 0u; j < K; j++) { acc += cmul(src[j], mixm[j * K + k]); }
    probe[k * params.n + i] = acc;
  }
}
