/** What every benchmark records about the machine it ran on (shared machines: note the load). */
import { cpus, loadavg } from 'node:os';

export function hostInfo(): { cpuModel: string | undefined; cores: number; node: string; loadAverage1m: number } {
  return { cpuModel: cpus()[0]?.model, cores: cpus().length, node: process.version, loadAverage1m: +loadavg()[0].toFixed(2) };
}
