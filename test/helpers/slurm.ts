/**
 * The one-node SLURM cluster the scale-out tests submit to: used when running, started with
 * scripts/slurm-local.sh when slurm-wlm is installed and we are root. With REQUIRE_SLURM=1
 * (CI) a cluster that cannot be had fails the tests instead of skipping them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const nodeUp = () => /^(idle|mixed|allocated)/m.test(spawnSync('sinfo', ['--noheader', '--format=%T'], { encoding: 'utf8' }).stdout ?? '');

export interface Cluster {
  ok: boolean;
  /** Why there is none. */
  why?: string;
  /** Whether these tests started it (and so stop it). */
  startedHere: boolean;
}

export function ensureSlurmCluster(): Cluster {
  if (nodeUp()) return { ok: true, startedHere: false };
  if (!existsSync('/usr/sbin/slurmctld')) return { ok: false, why: 'slurm-wlm is not installed (WITH_SLURM=1 bash scripts/setup-system.sh)', startedHere: false };
  if (process.getuid?.() !== 0) return { ok: false, why: 'starting the local cluster needs root (or run scripts/slurm-local.sh start first)', startedHere: false };
  const r = spawnSync('bash', ['scripts/slurm-local.sh', 'start'], { encoding: 'utf8' });
  if (r.status !== 0 || !nodeUp()) return { ok: false, why: `scripts/slurm-local.sh start failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`, startedHere: false };
  return { ok: true, startedHere: true };
}

export function stopSlurmCluster(c: Cluster): void {
  if (c.startedHere) spawnSync('bash', ['scripts/slurm-local.sh', 'stop'], { encoding: 'utf8' });
}

/** The cluster, or a failure under REQUIRE_SLURM=1; undefined ok means: skip. */
export function slurmForTests(): Cluster {
  const c = ensureSlurmCluster();
  if (!c.ok && process.env.REQUIRE_SLURM === '1') throw new Error(`REQUIRE_SLURM=1 but no SLURM cluster: ${c.why}`);
  return c;
}
