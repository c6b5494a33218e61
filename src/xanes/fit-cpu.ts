/**
 * CPU path of the per-pixel fit: normalise, mask, 3-Gaussian LM, edge metrics, for a range
 * of pixels of a stack laid out [nE, nPix] (pixel fastest). Writes straight into the
 * result maps; no allocation per spectrum.
 */
import { GaussEdgeFitter, type LmSettings } from './lm.ts';
import { ShiftEdgeFitter, type EdgeTemplate } from './shared-shape.ts';
import { edgeJump, normalizeSpectrum, type NormWeights } from './normalize.ts';
import { XanesStatus } from './status.ts';
import type { EnergyGrid } from './grid.ts';

/** Per-pixel outputs of the fit stage (before calibration), one entry per pixel. */
export interface FitMaps {
  edgeEnergyEv: Float32Array;
  edgeEnergyStdEv: Float32Array;
  e0HalfStepEv: Float32Array;
  derivMaxEv: Float32Array;
  edgeStep: Float32Array;
  status: Uint8Array;
  iterations: Uint16Array;
}

export function allocFitMaps(nPix: number): FitMaps {
  return {
    edgeEnergyEv: new Float32Array(nPix),
    edgeEnergyStdEv: new Float32Array(nPix),
    e0HalfStepEv: new Float32Array(nPix),
    derivMaxEv: new Float32Array(nPix),
    edgeStep: new Float32Array(nPix),
    status: new Uint8Array(nPix),
    iterations: new Uint16Array(nPix),
  };
}

export interface CpuFitContext {
  grid: EnergyGrid;
  weights: NormWeights;
  lm: Partial<LmSettings>;
  minEdgeStep: number;
  /** Shared-shape model: fit each pixel as a scaled, shifted copy of this template (else the free 3-Gaussian fit). */
  template?: EdgeTemplate;
}

/** Reusable per-thread state: one fitter and one work spectrum. */
export class CpuPixelFitter {
  private readonly fitter: Pick<GaussEdgeFitter, 'fit'>;
  private readonly work: Float64Array;

  constructor(private readonly c: CpuFitContext) {
    const window = c.grid.energyEv.subarray(c.grid.fitLo, c.grid.fitHi);
    this.fitter = c.template ? new ShiftEdgeFitter(window, c.template, c.lm) : new GaussEdgeFitter(window, c.lm);
    this.work = new Float64Array(c.grid.energyEv.length);
  }

  /** Fits pixels [p0, p1) of `data` ([nE, nPix]) into `out` at the same pixel indices minus `outOffset`. */
  fitRange(data: Float32Array, nPix: number, p0: number, p1: number, out: FitMaps, outOffset = 0): void {
    const { grid, weights, minEdgeStep } = this.c;
    for (let p = p0; p < p1; p++) {
      const q = p - outOffset;
      const scale = normalizeSpectrum(weights, data, p, nPix, this.work);
      const jump = edgeJump(weights, data, p, nPix);
      out.edgeStep[q] = Number.isFinite(scale) ? jump : NaN;
      out.iterations[q] = 0;
      let status: number;
      if (!Number.isFinite(scale)) status = XanesStatus.NON_FINITE;
      else if (!(jump > minEdgeStep) || !(jump > 0) || !(scale > 0)) status = XanesStatus.MASKED;
      else {
        const r = this.fitter.fit(this.work, grid.fitLo, 1);
        status = r.status;
        out.iterations[q] = Math.min(r.iterations, 65535);
        out.edgeEnergyEv[q] = r.edgeEv;
        out.edgeEnergyStdEv[q] = r.edgeStdEv;
        out.e0HalfStepEv[q] = r.e0HalfStepEv;
        out.derivMaxEv[q] = r.derivMaxEv;
      }
      out.status[q] = status;
      if (status !== XanesStatus.OK && status !== XanesStatus.NOT_CONVERGED) {
        out.edgeEnergyEv[q] = out.edgeEnergyStdEv[q] = out.e0HalfStepEv[q] = out.derivMaxEv[q] = NaN;
      }
    }
  }
}
