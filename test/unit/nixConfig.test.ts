import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { countCpuList, NixConfigError, onlineCpus, readClientSettings, userConfigFiles } from '../../store/nixConfig.js';
import type { ConfigIo } from '../../store/nixConfig.js';

function io(files: Record<string, string>, cpus = 8): ConfigIo & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile(p) {
      reads.push(p);
      return files[p];
    },
    cpuCount: () => cpus,
    homeDir: () => '/home/u',
  };
}

const read = (files: Record<string, string>, env: NodeJS.ProcessEnv = {}, cli = new Map<string, string>(), cpus = 8) =>
  readClientSettings({ HOME: '/home/u', ...env }, cli, io(files, cpus));

describe('readClientSettings', () => {
  it("answers Nix 2.8's defaults without any file", () => {
    expect(read({})).toEqual({
      keepFailed: false,
      keepGoing: false,
      tryFallback: false,
      verbosity: 3,
      maxBuildJobs: 1,
      maxSilentTime: 0,
      buildVerbosity: 0,
      buildCores: 8,
      useSubstitutes: true,
      overrides: new Map(),
    });
  });

  it('defaults cores to the number of CPUs, at least 1', () => {
    expect(read({}, {}, new Map(), 0).buildCores).toBe(1);
    expect(read({}, {}, new Map(), 3).buildCores).toBe(3);
  });

  it('reads the system nix.conf: values, comments, blank lines, aliases', () => {
    const s = read({
      '/etc/nix/nix.conf': [
        '# a comment',
        '',
        'keep-failed = true # trailing comment',
        '  keep-going   =   yes',
        'build-fallback = 1',
        'max-jobs = auto',
        'build-max-silent-time = 60',
        'build-cores = 0',
        'substitute = false',
        'sandbox = true',
        'extra-sandbox-paths = /usr /bin',
        'unknown-key = whatever',
      ].join('\n'),
    });
    expect(s).toMatchObject({
      keepFailed: true,
      keepGoing: true,
      tryFallback: true,
      maxBuildJobs: 8,
      maxSilentTime: 60,
      buildCores: 0,
      useSubstitutes: false,
    });
    expect(s.overrides.size).toBe(0);
  });

  it('takes the system file from NIX_CONF_DIR', () => {
    const s = read({ '/opt/nix/nix.conf': 'max-jobs = 4', '/etc/nix/nix.conf': 'max-jobs = 9' }, { NIX_CONF_DIR: '/opt/nix' });
    expect(s.maxBuildJobs).toBe(4);
  });

  it('follows include and !include relative to the including file', () => {
    const s = read({
      '/etc/nix/nix.conf': 'include extra.conf\n!include missing.conf\ncores = 2',
      '/etc/nix/extra.conf': 'cores = 5\nmax-jobs = 3\ninclude sub/more.conf',
      '/etc/nix/sub/more.conf': 'keep-going = true',
    });
    expect(s).toMatchObject({ buildCores: 2, maxBuildJobs: 3, keepGoing: true });
  });

  it('fails on a missing include and on illegal lines', () => {
    expect(() => read({ '/etc/nix/nix.conf': 'include nope.conf' })).toThrow(/'\/etc\/nix\/nope.conf' included from '\/etc\/nix\/nix.conf' not found/);
    expect(() => read({ '/etc/nix/nix.conf': 'cores' })).toThrow(NixConfigError);
    expect(() => read({ '/etc/nix/nix.conf': 'cores 3' })).toThrow(/illegal configuration line/);
    expect(() => read({ '/etc/nix/nix.conf': 'include a b' })).toThrow(/illegal configuration line/);
  });

  it('fails on values Nix would refuse', () => {
    expect(() => read({ '/etc/nix/nix.conf': 'keep-going = maybe' })).toThrow(/setting 'keep-going' has invalid value 'maybe'/);
    expect(() => read({ '/etc/nix/nix.conf': 'cores = -1' })).toThrow(NixConfigError);
    expect(() => read({ '/etc/nix/nix.conf': 'max-jobs = many' })).toThrow(NixConfigError);
    expect(() => read({ '/etc/nix/nix.conf': 'cores =' })).toThrow(NixConfigError);
  });

  it('stops an include cycle', () => {
    expect(() => read({ '/etc/nix/nix.conf': 'include nix.conf' })).toThrow(/nested includes/);
  });

  it('applies user files after the system file, the first user file winning', () => {
    const s = read(
      {
        '/etc/nix/nix.conf': 'cores = 1\nmax-jobs = 1\nkeep-going = false',
        '/a/nix.conf': 'cores = 2',
        '/b/nix.conf': 'cores = 3\nmax-jobs = 7',
      },
      { NIX_USER_CONF_FILES: '/a/nix.conf:/b/nix.conf' },
    );
    expect(s).toMatchObject({ buildCores: 2, maxBuildJobs: 7 });
  });

  it('then NIX_CONFIG, then --option pairs, which win', () => {
    const s = read(
      { '/etc/nix/nix.conf': 'cores = 1', '/home/u/.config/nix/nix.conf': 'cores = 2\nmax-jobs = 2' },
      { NIX_CONFIG: 'cores = 3\nkeep-failed = true' },
      new Map([['build-cores', '4']]),
    );
    expect(s).toMatchObject({ buildCores: 4, maxBuildJobs: 2, keepFailed: true });
  });

  it('passes --option pairs that are not fixed fields as overrides', () => {
    const s = read(
      {},
      {},
      new Map([
        ['max-jobs', '6'],
        ['fallback', 'true'],
        ['timeout', '30'],
        ['sandbox', 'relaxed'],
        ['experimental-features', 'ca-derivations'],
      ]),
    );
    expect(s.maxBuildJobs).toBe(6);
    expect(s.tryFallback).toBe(true);
    expect(s.overrides).toEqual(new Map([['timeout', '30'], ['sandbox', 'relaxed']]));
  });

  it('keeps unknown keys of the files out of everything', () => {
    const s = read({ '/etc/nix/nix.conf': 'timeout = 30\nverbose-build = false\nextra-cores = 2' });
    expect(s.overrides.size).toBe(0);
    expect(s.buildVerbosity).toBe(0);
    expect(s.buildCores).toBe(8);
  });
});

describe('userConfigFiles', () => {
  const home = { homeDir: () => '/home/u' };
  it('uses NIX_USER_CONF_FILES when set, even empty', () => {
    expect(userConfigFiles({ NIX_USER_CONF_FILES: '/x:/y' }, home)).toEqual(['/x', '/y']);
    expect(userConfigFiles({ NIX_USER_CONF_FILES: '' }, home)).toEqual([]);
  });

  it('otherwise XDG_CONFIG_HOME (or ~/.config) then XDG_CONFIG_DIRS (or /etc/xdg)', () => {
    expect(userConfigFiles({ HOME: '/h' }, home)).toEqual(['/h/.config/nix/nix.conf', '/etc/xdg/nix/nix.conf']);
    expect(userConfigFiles({}, home)).toEqual(['/home/u/.config/nix/nix.conf', '/etc/xdg/nix/nix.conf']);
    expect(userConfigFiles({ XDG_CONFIG_HOME: '/c', XDG_CONFIG_DIRS: '/d1:/d2' }, home)).toEqual([
      '/c/nix/nix.conf',
      '/d1/nix/nix.conf',
      '/d2/nix/nix.conf',
    ]);
  });

  it('reads the XDG files when present', () => {
    const s = read({ '/etc/xdg/nix/nix.conf': 'cores = 6', '/home/u/.config/nix/nix.conf': 'max-jobs = 5' });
    expect(s).toMatchObject({ buildCores: 6, maxBuildJobs: 5 });
  });
});

describe('onlineCpus, countCpuList', () => {
  it('counts the CPUs of the online list as glibc reads it, ranges and single ones', () => {
    expect(countCpuList('0-1\n')).toBe(2);
    expect(countCpuList('0\n')).toBe(1);
    expect(countCpuList('0-3,6,8-9\n')).toBe(7);
  });
  it('answers undefined for a list it cannot read, so os.cpus() decides', () => {
    expect(countCpuList(undefined)).toBeUndefined();
    expect(countCpuList('')).toBeUndefined();
    expect(countCpuList('garbage')).toBeUndefined();
  });
  it('agrees with os.cpus() on this machine', () => {
    expect(onlineCpus()).toBe(os.cpus().length);
  });
});
