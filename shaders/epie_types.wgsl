// Shared declarations of the ePIE kernels (shaders/epie_*.wgsl).
#include "complex"
// Step: one scan position in this iteration's order. `frame` indexes the resident chunk of
// amplitudes; (ix, iy) is the probe window's top-left on the object; (dx, dy) its subpixel
// remainder; (ddx, ddy) the shift taking the sequential probe from the previous position's
// remainder to this one's.
struct Step {
  frame: u32,
  ix: i32,
  iy: i32,
  pad0: u32,
  dx: f32,
  dy: f32,
  ddx: f32,
  ddy: f32,
}

struct Params {
  h: u32,
  w: u32,
  n: u32,            // h * w
  K: u32,            // probe modes
  obj_w: u32,        // object width (complex elements)
  nwg: u32,          // workgroups per frame in the reducing kernels
  update_probe: u32,
  log_w: u32,        // log2(w): frame sizes are powers of two
  alpha: f32,
  beta: f32,
  gamma: f32,        // parallel mode: weight of the max term in the step denominators
  gamma_o: f32,      // sequential mode: the same for the object step (1 = ePIE)
  obj_h: u32,        // object height
  tiles_x: u32,      // object tiles per row (TILE × TILE pixels)
  gamma_p: f32,      // sequential mode: for the probe step (1 = ePIE)
  pad3: u32,
}

// Which steps a dispatch works on: base + (0 .. count); parallel mode also the batch's
// object tiles: tile_info[tile_base + (0 .. tile_count)].
struct Cursor {
  base: u32,
  count: u32,
  tile_base: u32,
  tile_count: u32,
}

const TILE: u32 = 16u;

const TWO_PI: f32 = 6.283185307179586;

// exp(-2πi (fx·dx/w + fy·dy/h)) at Fourier pixel i (signed frequencies, zero at index 0):
// multiplying a spectrum by it shifts the image by (+dx, +dy) pixels.
fn shift_ramp(i: u32, h: u32, w: u32, dx: f32, dy: f32) -> vec2<f32> {
  let r = i >> params.log_w;
  let c = i & (w - 1u);
  let fx = select(f32(c), f32(c) - f32(w), c >= w / 2u);
  let fy = select(f32(r), f32(r) - f32(h), r >= h / 2u);
  return cexpi(-TWO_PI * (fx * dx / f32(w) + fy * dy / f32(h)));
}

fn object_index(st: Step, i: u32, w: u32, obj_w: u32) -> u32 {
  let r = i32(i >> params.log_w);
  let c = i32(i & (w - 1u));
  return u32(st.iy + r) * obj_w + u32(st.ix + c);
}
