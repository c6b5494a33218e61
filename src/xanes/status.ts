/**
 * Per-pixel fit status codes (the status map). 0 is a good fit; everything else explains
 * why the oxidation state is NaN (or, for NOT_CONVERGED, why it should be trusted less).
 */
export const XanesStatus = {
  /** Converged fit, edge found. */
  OK: 0,
  /** Edge step below the mask threshold (empty pixel, too thin, all zeros). Values NaN. */
  MASKED: 1,
  /** A NaN or infinite value in the spectrum. Values NaN. */
  NON_FINITE: 2,
  /** Hit the iteration limit before converging. Values kept (use with care). */
  NOT_CONVERGED: 3,
  /** No main peak, or its rising half maximum falls outside the fit window. Values NaN. */
  EDGE_NOT_FOUND: 4,
  /** Numerical failure (singular normal matrix, non-finite model). Values NaN. */
  FIT_FAILED: 5,
} as const;

export type XanesStatusCode = (typeof XanesStatus)[keyof typeof XanesStatus];

export const XANES_STATUS_NAMES: Record<number, string> = {
  0: 'ok',
  1: 'masked (edge step below threshold)',
  2: 'non-finite input',
  3: 'not converged (iteration limit)',
  4: 'edge not found in fit window',
  5: 'fit failed (numerical)',
};

/** True when the pixel's values are reported (OK or NOT_CONVERGED). */
export function hasValues(status: number): boolean {
  return status === XanesStatus.OK || status === XanesStatus.NOT_CONVERGED;
}
