// Complex arithmetic on vec2<f32> = (re, im), the interleaved layout used everywhere.
fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
fn cconj(a: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x, -a.y);
}
// a * conj(b)
fn cmulconj(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x + a.y * b.y, a.y * b.x - a.x * b.y);
}
fn cabs2(a: vec2<f32>) -> f32 {
  return dot(a, a);
}
fn cexpi(phi: f32) -> vec2<f32> {
  return vec2<f32>(cos(phi), sin(phi));
}
