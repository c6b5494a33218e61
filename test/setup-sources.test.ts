/**
 * The setup script's bookworm-backports entry comes from the Debian source the machine already
 * uses (scripts/apt-backports.sh), in both apt formats: one-line sources.list entries and
 * deb822 *.sources stanzas. Runs the shell functions on sample /etc/apt trees.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = resolve(__dirname, '../scripts/apt-backports.sh');
const root = mkdtempSync(join(tmpdir(), 'ptyxanes-apt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A sample /etc/apt: file name (relative) → content. */
function aptDir(files: Record<string, string>): string {
  const dir = join(root, `apt${count++}`);
  mkdirSync(join(dir, 'sources.list.d'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Calls one function of the helper; returns its exit code and stdout. */
function call(fn: string, ...args: string[]): { code: number; out: string } {
  const r = spawnSync('bash', ['-c', `. "${script}"; ${fn} "$@"`, 'sh', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout };
}

describe('backports entry from the one-line format', () => {
  it('keeps a local mirror and its signing option, skipping deb-src, comments and other repositories', () => {
    const dir = aptDir({
      'sources.list': [
        '# deb http://deb.debian.org/debian bookworm main',
        'deb-src http://mirror.beamline.local/debian bookworm main',
        'deb [arch=amd64 signed-by=/usr/share/keyrings/site.gpg] http://mirror.beamline.local/debian bookworm main contrib',
        'deb [arch=amd64 signed-by=/usr/share/keyrings/site.gpg] http://mirror.beamline.local/debian bookworm-updates main',
        'deb http://mirror.beamline.local/debian-security bookworm-security main',
        '',
      ].join('\n'),
      'sources.list.d/docker.list': 'deb https://download.docker.com/linux/debian bookworm stable\n',
    });
    expect(call('apt_backports_entry', dir).out).toBe(
      'deb [arch=amd64 signed-by=/usr/share/keyrings/site.gpg] http://mirror.beamline.local/debian bookworm-backports main\n',
    );
    // the standalone form prints the same
    expect(execFileSync('bash', [script, dir], { encoding: 'utf8' })).toContain('http://mirror.beamline.local/debian bookworm-backports');
  });

  it("prefers the archive that also serves bookworm-updates over a third-party 'bookworm main'", () => {
    const dir = aptDir({
      'sources.list.d/aaa-vendor.list': 'deb https://packages.vendor.example/debian/12/prod bookworm main\n',
      'sources.list.d/zzz-site.list': [
        'deb http://proxy.hpc.example:3142/debian bookworm main',
        'deb http://proxy.hpc.example:3142/debian bookworm-updates main',
      ].join('\n'),
    });
    expect(call('apt_backports_entry', dir).out).toBe('deb http://proxy.hpc.example:3142/debian bookworm-backports main\n');
  });
});

describe('backports entry from deb822 .sources', () => {
  it('copies the first enabled Debian stanza, its Signed-By (inline key included) and architectures', () => {
    const dir = aptDir({
      'sources.list.d/debian.sources': [
        '# the site mirror',
        'Types: deb deb-src',
        'URIs: http://old-mirror.example/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
        'Enabled: no',
        '',
        'Types: deb',
        'URIs: https://mirror.synchrotron.example/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main non-free-firmware',
        'Architectures: amd64',
        'Signed-By:',
        ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
        ' .',
        ' mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPEpryPfZOe3eGqDXQWqPjE',
        ' -----END PGP PUBLIC KEY BLOCK-----',
        '',
        'Types: deb',
        'URIs: https://mirror.synchrotron.example/debian-security',
        'Suites: bookworm-security',
        'Components: main',
        '',
      ].join('\n'),
    });
    expect(call('apt_backports_entry', dir).out).toBe(
      [
        'Types: deb',
        'URIs: https://mirror.synchrotron.example/debian',
        'Suites: bookworm-backports',
        'Components: main',
        'Architectures: amd64',
        'Signed-By:',
        ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
        ' .',
        ' mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPEpryPfZOe3eGqDXQWqPjE',
        ' -----END PGP PUBLIC KEY BLOCK-----',
        '',
      ].join('\n'),
    );
  });

  it("reads a fresh bookworm image's debian.sources", () => {
    const dir = aptDir({
      'sources.list.d/debian.sources': [
        'Types: deb',
        'URIs: http://deb.debian.org/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
        '',
        'Types: deb',
        'URIs: http://deb.debian.org/debian-security',
        'Suites: bookworm-security',
        'Components: main',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      ].join('\n'),
    });
    const r = call('apt_backports_entry', dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    );
  });
});

describe('what is configured', () => {
  it('fails, printing nothing, when no Debian bookworm source is configured', () => {
    const dir = aptDir({
      'sources.list.d/nodesource.sources': 'Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n',
      // apt ignores files without .list/.sources, and so do we
      'sources.list.d/debian.list.disabled': 'deb http://deb.debian.org/debian bookworm main\n',
    });
    expect(call('apt_backports_entry', dir)).toEqual({ code: 1, out: '' });
    expect(call('apt_backports_entry', aptDir({}))).toEqual({ code: 1, out: '' });
  });

  it('sees an existing backports entry in either format, but not a commented or disabled one', () => {
    const oneLine = aptDir({ 'sources.list.d/bp.list': 'deb http://m.example/debian bookworm-backports main\n' });
    const deb822 = aptDir({ 'sources.list.d/bp.sources': 'Types: deb\nURIs: http://m.example/debian\nSuites: bookworm-backports\nComponents: main\n' });
    const commented = aptDir({ 'sources.list': '# deb http://m.example/debian bookworm-backports main\n' });
    const disabled = aptDir({ 'sources.list.d/bp.sources': 'Types: deb\nURIs: http://m.example/debian\nSuites: bookworm-backports\nComponents: main\nEnabled: no\n' });
    expect(call('apt_has_suite', oneLine, 'bookworm-backports').code).toBe(0);
    expect(call('apt_has_suite', deb822, 'bookworm-backports').code).toBe(0);
    expect(call('apt_has_suite', commented, 'bookworm-backports').code).toBe(1);
    expect(call('apt_has_suite', disabled, 'bookworm-backports').code).toBe(1);
  });
});
