import { PtyxanesError } from '../../core/errors.ts';
import { resolveBackend } from '../../gpu/backend.ts';
import { discoverSeries } from '../../pipeline/inputs.ts';
import { runPtychoStage } from '../../pipeline/ptycho-stage.ts';
import { RunDir } from '../../pipeline/run-dir.ts';
import { probeStartOptions } from '../../pipeline/probe-model.ts';
import type { CommandModule } from '../main.ts';
import { BACKEND_OPTION, EPIE_OPTIONS, READ_OPTIONS, epieOptionsFrom, probeSizeFrom, readOptionsFrom, zonePlateFrom } from './common.ts';

export const spec: CommandModule['spec'] = {
  name: 'reconstruct',
  summary: 'ePIE phase retrieval of every CXI entry (one per energy), warm-started along the energy series',
  usage: 'ptyxanes reconstruct --input DIR_OR_CXI --out DIR [options]',
  options: {
    input: { type: 'string', meta: 'PATH', help: 'CXI file (entries = energies), directory of CXI files, or simulated sample directory' },
    out: { type: 'string', meta: 'DIR', help: 'output directory: ptycho/<energy>/{attenuation,modulus,phase}.tif, state.h5, energy.json' },
    resume: { type: 'boolean', default: false, help: 'continue an interrupted run without redoing finished energies' },
    force: { type: 'boolean', default: false, help: 'replace an existing run in --out' },
    ...BACKEND_OPTION,
    ...EPIE_OPTIONS,
    'warm-iterations': { type: 'int', meta: 'N', help: 'iterations for energies warm-started from their neighbour (default: --iterations)' },
    'no-warm-start': { type: 'boolean', default: false, help: 'start every energy from scratch' },
    ...READ_OPTIONS,
  },
  examples: [
    'ptyxanes reconstruct --input samples/generated/2d-small --out runs/recon',
    'ptyxanes reconstruct --input scan.cxi --out runs/scan --iterations 100 --probe-modes 3 --backend gpu',
    'ptyxanes reconstruct --input scan.cxi --out runs/scan --probe-init aperture --probe-size-um 1.5',
  ],
};

export const run: CommandModule['run'] = async ({ options: o }, io) => {
  if (!o.input) throw new PtyxanesError('missing --input PATH');
  if (!o.out) throw new PtyxanesError('missing --out DIR');
  const read = readOptionsFrom(o);
  const series = await discoverSeries(o.input as string, read as never);
  const epie = epieOptionsFrom(o);
  const warmStart = !(o['no-warm-start'] as boolean);
  // Checked before the run folder is made.
  const probeStart = probeStartOptions(o['probe-init'] as 'zone-plate', { zonePlate: zonePlateFrom(o), sizeM: probeSizeFrom(o), manifest: series.manifest });
  const runDir = await RunDir.open(o.out as string, {
    kind: 'reconstruct',
    options: { epie, warmStart, warmIterations: o['warm-iterations'], probeInit: o['probe-init'], probeSizeM: probeSizeFrom(o), zonePlate: zonePlateFrom(o), read, backend: o.backend },
    inputs: series.files,
    resume: o.resume as boolean,
    force: o.force as boolean,
  });
  const backend = await resolveBackend(o.backend as 'auto');
  const rep = io.progress({ quiet: o.quiet as boolean });
  const t0 = Date.now();
  const records = await runPtychoStage(runDir, series.entries, {
    epie: { ...epie, backend: backend.kind },
    warmStart,
    ...probeStart,
    warmIterations: o['warm-iterations'] as number | undefined,
    read: read as never,
    onProgress: rep.onProgress,
    signal: io.signal,
  });
  await runDir.markComplete();
  rep.done();
  if (o.json) io.out(JSON.stringify({ outDir: runDir.dir, seconds: (Date.now() - t0) / 1000, energies: records }, null, 2));
  else {
    io.out(`reconstructed ${records.length} energies in ${((Date.now() - t0) / 1000).toFixed(1)} s (${backend.kind}) → ${runDir.dir}/ptycho/`);
    for (const r of records) io.out(`  ${r.energyEv.toFixed(1)} eV: ${r.iterations} iterations, error ${r.finalError.toExponential(3)}, pixel ${(r.pixelSizeM * 1e9).toFixed(1)} nm, ${r.patternUpdatesPerS.toFixed(0)} updates/s`);
  }
  return 0;
};
