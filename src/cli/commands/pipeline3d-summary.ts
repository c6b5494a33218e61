/** What `ptyxanes pipeline 3d` prints at the end (without --json). */
import type { Pipeline3dResult } from '../../pipeline/pipeline3d.ts';
import { formatHighStateRegions } from '../../pipeline/regions3d.ts';

export function formatSummary3d(r: Pipeline3dResult): string {
  const x = r.xanes;
  const t = r.truth;
  const [nz, ny, nx] = r.tomo.shape;
  const lines = [
    `ptyxanes pipeline 3d: ${r.energiesEv.length} energies (${r.energiesEv[0].toFixed(1)}–${r.energiesEv[r.energiesEv.length - 1].toFixed(1)} eV) × ${r.anglesDeg.length} angles, backend ${r.backend}`,
    ...r.warnings.map((w) => `  warning: ${w}`),
    `  volume: ${nx}×${ny}×${nz} voxels of ${(r.tomo.voxelSizeM * 1e9).toFixed(1)} nm; alignment passes per energy ${r.tomo.energies.map((e) => e.alignPasses).join(',')}`,
    `  Ni oxidation state (${r.edgeModel} edge model): mean ${x.oxidationMean.toFixed(3)}, median ${x.oxidationMedian.toFixed(3)}, 5–95% ${x.oxidationP05.toFixed(2)}–${x.oxidationP95.toFixed(2)} over ${x.nFitted} voxels; median uncertainty ±${x.medianOxidationStd.toFixed(3)}`,
    `  ${formatHighStateRegions(r.regions)}`,
    ...(t
      ? [
          `  vs ground truth:  RMS error ${t.rmsError.toFixed(3)} valence over ${t.voxels} interior crystal voxels (bias ${t.bias >= 0 ? '+' : ''}${t.bias.toFixed(3)}); truth Ni${t.truthMean.toFixed(2)}+ ± ${t.truthStd.toFixed(3)}, correlation ${t.correlation.toFixed(2)}`,
          `  projection shifts vs simulated misalignment: RMS error ${Math.min(...t.shiftErrorPx).toFixed(2)}–${Math.max(...t.shiftErrorPx).toFixed(2)} px across energies`,
        ]
      : []),
    `  time: ${Object.entries(r.timingsS)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}`,
    `  volumes: ${r.files.oxidationState}`,
    `           ${r.files.uncertainty}`,
    `  pictures: ${r.files.slicesPng}`,
    `            ${r.files.cutawayPng}`,
    `            ${r.files.histogramPng}`,
    `  all results: ${r.files.resultsH5} (summary ${r.files.summary})`,
  ];
  return lines.join('\n');
}
