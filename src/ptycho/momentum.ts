/**
 * CPU side of the 'mpie' rule's object momentum and modulus bound (update-rule.ts; the GPU's
 * is shaders/epie_momentum.wgsl): the last anchor and the velocity of the object.
 */

/** CPU state of the momentum step: the last anchor and the velocity of one array. */
export class Momentum {
  private readonly last: Float32Array;
  private readonly velocity: Float32Array;

  constructor(start: Float32Array) {
    this.last = Float32Array.from(start);
    this.velocity = new Float32Array(start.length);
  }

  /**
   * v ← friction·v + (x − last); x ← x + feedback·v, then |x| ≤ bound (complex pairs) when
   * bound is given; last ← x. On floats [from, to) (the part that can have changed).
   */
  step(x: Float32Array, friction: number, feedback: number, bound: number | null, from = 0, to = x.length): void {
    const { last, velocity: v } = this;
    const b2 = bound === null ? Infinity : bound * bound;
    for (let i = from; i < to; i += 2) {
      const vr = friction * v[i] + (x[i] - last[i]);
      const vi = friction * v[i + 1] + (x[i + 1] - last[i + 1]);
      v[i] = vr;
      v[i + 1] = vi;
      let xr = x[i] + feedback * vr;
      let xi = x[i + 1] + feedback * vi;
      const m2 = xr * xr + xi * xi;
      if (m2 > b2) {
        const sc = (bound as number) / Math.sqrt(m2);
        xr *= sc;
        xi *= sc;
      }
      x[i] = xr;
      x[i + 1] = xi;
      last[i] = xr;
      last[i + 1] = xi;
    }
  }

  /** Re-anchors without a step (after x was changed in a way momentum must not amplify). */
  reset(x: Float32Array): void {
    this.last.set(x);
    this.velocity.fill(0);
  }
}

/** |O| ≤ bound on complex floats [from, to). */
export function clampModulus(x: Float32Array, bound: number, from = 0, to = x.length): void {
  const b2 = bound * bound;
  for (let i = from; i < to; i += 2) {
    const re = x[i];
    const im = x[i + 1];
    const m2 = re * re + im * im;
    if (m2 > b2) {
      const s = bound / Math.sqrt(m2);
      x[i] = re * s;
      x[i + 1] = im * s;
    }
  }
}
