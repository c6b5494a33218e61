/**
 * The coefficients of the engines' one generic update, named after the algorithm they make
 * (as PtyPy's stochastic engines take theirs from small mixins over one object/probe update):
 *
 *   O += α·P*Δψ / ((1 − γ_O)|P|² + γ_O·max|P|²)      P += β·O*Δψ / ((1 − γ_P)|O|² + γ_P·max|O|²)
 *
 * then, every `momentumEvery` positions, momentum on the object (mPIE's Nesterov-like step)
 *   v ← friction·v + (O − O_last);  O ← O + feedback·v;  O_last ← O
 * with its modulus bounded (|O| ≤ objectAmplitudeMax, a transmission object), the bound also
 * applied after each iteration. Probe momentum (mPIE has it too) measured no better on the
 * shared case (object NRMSE 0.108 with, 0.103 without) and would need its anchors shifted
 * with the sequential mode's subpixel chain frame, so the probe takes plain rPIE steps.
 *
 * - 'epie' (Maiden & Rodenburg 2009): γ = 1 in the sequential mode (ePIE's max|P|², max|O|²
 *   steps exactly), the mini-batch γ (`regularization`) in the parallel mode; nothing else.
 *   The reference paper's algorithm, kept plain.
 * - 'mpie' (Maiden, Johnson & Li, Optica 4, 736, 2017; PtyLab's default): rPIE's per-pixel
 *   steps (γ = `regularization`), object momentum (friction 0.7, feedback 0.3, PtyLab's values,
 *   every ~20 positions: PtyLab's 5 % chance per position; more for objects much larger than
 *   16 probe windows, so the whole-object step stays a small share of the work) and |O| ≤ 1.
 *   Measured on foreign data from generic probe guesses (BENCHMARKS.md, ePIE: convergence
 *   from a probe guess).
 */
import { PtyxanesError } from '../core/errors.ts';

export type EngineName = 'epie' | 'mpie';

export interface UpdateRule {
  engine: EngineName;
  /** γ of the object step in the sequential mode (1 = ePIE's scalar step). */
  objectGamma: number;
  /** γ of the probe step in the sequential mode. */
  probeGamma: number;
  /** null = no momentum. */
  momentum: { friction: number; feedback: number; every: number } | null;
  /** Object modulus bound, null = none. */
  objectAmplitudeMax: number | null;
}

export interface RuleOptions {
  engine?: EngineName;
  regularization: number;
  momentumFriction?: number;
  momentumFeedback?: number;
  momentumEvery?: number;
  objectAmplitudeMax?: number | null;
  /** Object pixels and probe pixels, for the default momentum period. */
  objectPixels: number;
  probePixels: number;
}

export function updateRule(o: RuleOptions, label: string): UpdateRule {
  const engine = o.engine ?? 'epie';
  if (engine !== 'epie' && engine !== 'mpie') {
    throw new PtyxanesError('unknown ePIE engine', { file: label, field: 'engine', expected: "'epie' or 'mpie'", found: String(o.engine) });
  }
  if (engine === 'epie') return { engine, objectGamma: 1, probeGamma: 1, momentum: null, objectAmplitudeMax: o.objectAmplitudeMax ?? null };
  return {
    engine,
    objectGamma: o.regularization,
    probeGamma: o.regularization,
    momentum: {
      friction: o.momentumFriction ?? 0.7,
      feedback: o.momentumFeedback ?? 0.3,
      every: o.momentumEvery ?? Math.max(20, Math.round(o.objectPixels / (16 * o.probePixels))),
    },
    objectAmplitudeMax: o.objectAmplitudeMax === undefined ? 1 : o.objectAmplitudeMax,
  };
}
