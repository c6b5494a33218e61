/**
 * `ptyxanes` command line: a thin layer over the library. Each command lives in
 * commands/<name>.ts and is loaded on demand, so one command's help never depends on
 * another's code.
 */
import { PtyxanesError } from '../core/errors.ts';
import { disposeSharedGpuContext } from '../gpu/backend.ts';
import { formatHelp, parseArgs, type CommandSpec } from './args.ts';
import type { CliIo } from './io.ts';

export interface CommandModule {
  spec: CommandSpec;
  run(args: { options: Record<string, unknown>; positionals: string[] }, io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  simulate: { summary: 'simulate a spectro-ptychography experiment (CXI + ground truth)', load: () => import('./commands/simulate.ts') },
  reconstruct: { summary: 'ePIE phase retrieval of CXI entries (one per energy)', load: () => import('./commands/reconstruct.ts') },
  register: { summary: 'subpixel registration of an image stack (e.g. -ln|O| per energy)', load: () => import('./commands/register.ts') },
  fit: { summary: 'per-pixel Ni K-edge XANES fit -> oxidation-state maps', load: () => import('./commands/fit.ts') },
  tomo: { summary: 'tomography of a projection stack: alignment by reprojection, SIRT (ASTRA SIRT3D), FBP', load: () => import('./commands/tomo.ts') },
  pipeline: { summary: "the whole chain: 'pipeline 2d' / 'pipeline 3d' from patterns to oxidation-state maps / volumes", load: () => import('./commands/pipeline.ts') },
  plan: { summary: "write a run's task plan for 'submit' / 'task' (SLURM job arrays, local workers)", load: () => import('./commands/plan.ts') },
  task: { summary: 'run tasks of a planned run (one, a SLURM array element, or a chain)', load: () => import('./commands/task.ts') },
  submit: { summary: 'run what is left of a planned run on SLURM (job arrays) or local workers', load: () => import('./commands/submit.ts') },
  status: { summary: 'tasks done / failed / running / pending of a planned run, with errors', load: () => import('./commands/status.ts') },
  analyse: { summary: 'crystals, surface-to-core profiles, diffusion fits, slabs, sample comparisons', load: () => import('./commands/analyse.ts') },
  info: { summary: 'what a CXI/HDF5/TIFF file holds: datasets, shapes, energies, units', load: () => import('./commands/info.ts') },
  bench: { summary: 'run the benchmark scripts and print one table', load: () => import('./commands/bench.ts') },
};

export function topHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return [
    'ptyxanes: spectro-ptychography from far-field diffraction patterns to Ni oxidation-state maps, on WebGPU or CPU',
    '',
    'usage: ptyxanes <command> [options]     (ptyxanes <command> --help for details)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}${c.summary}`),
    '',
    'examples:',
    '  ptyxanes simulate --preset 2d-small --out samples/generated/2d-small',
    '  ptyxanes pipeline 2d --input samples/generated/2d-small --out runs/2d-small',
    '  ptyxanes info samples/generated/2d-small/data.cxi',
  ].join('\n');
}

export async function main(argv: string[], io?: CliIo): Promise<number> {
  const { defaultCliIo } = await import('./io.ts');
  const cio = io ?? defaultCliIo();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    cio.out(topHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    const { VERSION } = await import('../version.ts');
    cio.out(VERSION);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    cio.err(`ptyxanes: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  const mod = await entry.load();
  try {
    const args = parseArgs(mod.spec, rest);
    if (args.options.help) {
      cio.out(formatHelp(mod.spec));
      return 0;
    }
    return await mod.run(args, cio);
  } catch (e) {
    const err = e as Error;
    if (err instanceof PtyxanesError) cio.err(`ptyxanes ${name}: ${err.message}`);
    else if (err.name === 'AbortError') cio.err(`ptyxanes ${name}: cancelled`);
    else cio.err(`ptyxanes ${name}: ${err.message}${process.env.PTYXANES_DEBUG ? `\n${err.stack}` : ''}`);
    return 1;
  } finally {
    disposeSharedGpuContext();
  }
}
