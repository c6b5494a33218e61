import { PtyxanesError } from '../../core/errors.ts';
import { listPresets, simulate } from '../../sim/index.ts';
import type { CommandModule } from '../main.ts';
import { BACKEND_OPTION } from './common.ts';

export const spec: CommandModule['spec'] = {
  name: 'simulate',
  summary: 'simulate a spectro-ptychography experiment on SC-NMC811 (CXI data, float32 TIFF ground truth, manifest.json)',
  usage: 'ptyxanes simulate --preset NAME --out DIR [--seed N] [--force]',
  options: {
    preset: { type: 'string', meta: 'NAME|FILE.json', help: 'preset name (2d-small, 3d-small, 2d-paper, 3d-paper) or a simulation config JSON' },
    out: { type: 'string', meta: 'DIR', help: 'output directory (refused if it exists, unless --force)' },
    seed: { type: 'int', help: 'random seed (phantom, noise, drifts); default from the preset' },
    force: { type: 'boolean', default: false, help: 'replace an existing output directory' },
    list: { type: 'boolean', default: false, help: 'list the presets and exit' },
    ...BACKEND_OPTION,
  },
  examples: [
    'ptyxanes simulate --preset 2d-small --out samples/generated/2d-small',
    'ptyxanes simulate --preset 3d-small --out /data/sim3d --seed 7',
    'ptyxanes simulate --list',
  ],
};

export const run: CommandModule['run'] = async ({ options: o }, io) => {
  if (o.list) {
    const presets = listPresets();
    if (o.json) io.out(JSON.stringify(presets, null, 2));
    else for (const p of presets as { name: string; description?: string }[]) io.out(`${p.name.padEnd(10)} ${p.description ?? ''}`);
    return 0;
  }
  if (!o.preset) throw new PtyxanesError('missing --preset NAME (see --list)');
  if (!o.out) throw new PtyxanesError('missing --out DIR');
  const rep = io.progress({ quiet: o.quiet as boolean });
  const t0 = Date.now();
  const r = await simulate(o.preset as string, {
    outDir: o.out as string,
    seed: o.seed as number | undefined,
    force: o.force as boolean,
    backend: o.backend as 'auto',
    onProgress: rep.onProgress,
    signal: io.signal,
  });
  rep.done();
  const m = r.manifest;
  if (o.json) io.out(JSON.stringify({ outDir: r.outDir, warnings: r.warnings, seconds: (Date.now() - t0) / 1000, manifest: m }, null, 2));
  else {
    io.out(`simulated '${m.preset}' (${m.kind}, ${m.scenario}, seed ${m.seed}) in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${r.outDir}`);
    io.out(`  ${m.energiesEv.length} energies ${m.energiesEv[0]}–${m.energiesEv[m.energiesEv.length - 1]} eV, ${m.statistics.frames} frames, ${m.cxi.length} CXI entries; mean ${m.statistics.meanCountsPerFrame.toFixed(0)} counts/frame`);
    for (const w of r.warnings) io.out(`  warning: ${w}`);
  }
  return 0;
};
