/**
 * Comparison of several samples (e.g. pristine, 200, 350, 500 cycles), as the paper's
 * Fig. 5g: oxidation-state histograms on one common bin grid, normalised to a fraction
 * per bin so samples of different size overlay, with NiO (2+) and LiNiO2 (3+) lines, and a
 * table of mean, spread and fraction above the threshold.
 */
import { PtyxanesError } from '../core/errors.ts';
import { histogram } from '../xanes/histogram.ts';
import { summarize } from './stats.ts';

export interface SampleValues {
  name: string;
  /** Oxidation states (NaN ignored), e.g. the crystal voxels of one sample. */
  values: ArrayLike<number>;
}

export interface SampleRow {
  name: string;
  n: number;
  mean: number;
  median: number;
  std: number;
  p05: number;
  p95: number;
  fractionAbove: number;
}

export interface Comparison {
  threshold: number;
  binEdges: number[];
  /** fractions[s][b]: share of sample s's values in bin b. */
  fractions: number[][];
  rows: SampleRow[];
}

export function compareSamples(samples: SampleValues[], opts: { threshold?: number; binWidth?: number; range?: [number, number] } = {}): Comparison {
  if (!samples.length) throw new PtyxanesError('nothing to compare', { field: 'samples', expected: 'one or more samples', found: 'none' });
  const threshold = opts.threshold ?? 3;
  const all: number[] = [];
  const rows: SampleRow[] = samples.map((s) => {
    const v = Array.from(s.values).filter(Number.isFinite);
    if (!v.length) throw new PtyxanesError('sample has no finite oxidation states', { field: s.name, expected: 'fitted voxels', found: 'none' });
    for (const x of v) all.push(x);
    const sm = summarize(v);
    return { name: s.name, n: sm.n, mean: sm.mean, median: sm.median, std: sm.std, p05: sm.p05, p95: sm.p95, fractionAbove: v.filter((x) => x > threshold).length / v.length };
  });
  // One grid for all: the pooled range (or the caller's), so bins line up across samples.
  const bw = opts.binWidth ?? 0.05;
  const pooled = histogram(all, { binWidth: bw, range: opts.range });
  const range: [number, number] = [pooled.binEdges[0], pooled.binEdges[pooled.binEdges.length - 1]];
  const fractions = samples.map((s, k) => {
    const h = histogram(s.values, { binWidth: bw, range });
    return h.counts.map((c) => c / rows[k].n);
  });
  return { threshold, binEdges: pooled.binEdges, fractions, rows };
}

export function comparisonCsv(c: Comparison): string {
  const f = (v: number) => (Number.isFinite(v) ? String(+v.toPrecision(6)) : '');
  const lines = [`sample,n,mean,median,std,p05,p95,fraction_above_${c.threshold}`];
  for (const r of c.rows) lines.push([r.name, r.n, f(r.mean), f(r.median), f(r.std), f(r.p05), f(r.p95), f(r.fractionAbove)].join(','));
  return lines.join('\n') + '\n';
}

export function comparisonHistogramCsv(c: Comparison): string {
  const lines = [['bin_low', 'bin_high', ...c.rows.map((r) => `fraction_${r.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`)].join(',')];
  for (let b = 0; b + 1 < c.binEdges.length; b++) lines.push([c.binEdges[b], c.binEdges[b + 1], ...c.fractions.map((fr) => +fr[b].toPrecision(6))].join(','));
  return lines.join('\n') + '\n';
}
