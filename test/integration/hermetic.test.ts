/**
 * Hermetic builds: no derivation nixmake writes names a host path (the
 * toolchain and every input are store paths), and the programs nixmake links
 * run both on the host and inside the sandbox (as a generator would).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonConnection } from '../../store/DaemonConnection.js';
import { daemonSocketPath } from '../../store/daemonAddress.js';
import { hashDerivationModulo, makeInputAddressedDerivation, parseDerivation } from '../../store/derivation.js';
import { hashPlaceholder } from '../../store/storePath.js';
import { build, nixmake, run, useTempProjects } from '../helpers/project.js';

const project = useTempProjects(afterEach);
const unique = `/* ${process.pid}-${Date.now()} */\n`;

/** A derivation's text with every store path taken out: what is left must not name the host. */
const hostPathsIn = (text: string): string[] => text.replace(/\/nix\/store\/[0-9a-z]{32}-[^"/\\]*/g, '<store>').match(/(?:^|[^a-zA-Z0-9_<>.-])\/(?:usr|bin|lib|lib64|etc|opt)(?:\/|")/g) ?? [];

describe('hermetic builds', () => {
  it('no derivation names a host path; programs run on the host and in the sandbox', async () => {
    const dir = project({
      'nixmake.json': JSON.stringify({
        targets: {
          shout: { type: 'shared-library', sources: ['lib/*.cc'] },
          gen: { type: 'executable', sources: ['src/*.c'], deps: ['shout'] },
        },
      }),
      'lib/shout.cc': `${unique}#include <string>\n#include <vector>\nextern "C" int shout_len(const char *s) { std::vector<std::string> v{s}; return (int)v[0].size(); }\n`,
      'src/gen.c': `${unique}#include <stdio.h>\nint shout_len(const char *s);\nint main(int argc, char **argv) { FILE *f = argc > 1 ? fopen(argv[1], "w") : stdout; fprintf(f, "generated %d\\n", shout_len("abc")); return 0; }\n`,
    });
    const r = build(dir);
    expect(r.code, r.stderr).toBe(0);
    const gen = path.join(dir, 'result-gen/bin/gen');
    expect(run(gen, []).stdout).toBe('generated 3\n');

    // Every derivation of the build, with what they take from other derivations (the builder helper).
    const seen = new Set<string>();
    const todo = r.events.filter((e) => e['event'] === 'node-built').map((e) => String(e['drv']));
    expect(todo).toHaveLength(4);
    while (todo.length > 0) {
      const drv = todo.pop() as string;
      if (seen.has(drv)) continue;
      seen.add(drv);
      const text = fs.readFileSync(drv, 'utf8');
      expect(hostPathsIn(text), drv).toEqual([]);
      todo.push(...Object.keys(parseDerivation(text).inputDrvs));
    }
    expect(seen.size).toBe(5);

    // The program as the builder of a derivation: it runs in the sandbox, which has no /lib64 and no /usr.
    const out = fs.readlinkSync(path.join(dir, 'result-gen'));
    const conn = await DaemonConnection.open(daemonSocketPath());
    try {
      // The output of gen's own link derivation is the input: name it by its derivation.
      const linkDrv = String(r.events.find((e) => e['event'] === 'node-built' && e['node'] === 'link:gen')?.['drv']);
      const hashes = new Map<string, string>();
      const modulo = (p: string): string => {
        let h = hashes.get(p);
        if (h === undefined) hashes.set(p, (h = hashDerivationModulo(parseDerivation(fs.readFileSync(p, 'utf8')), modulo, false)));
        return h;
      };
      const spec = {
        name: 'run-gen',
        system: 'x86_64-linux',
        builder: `${out}/bin/gen`,
        args: [hashPlaceholder('out')],
        env: { salt: unique },
        inputSrcs: [] as string[],
        inputDrvs: { [linkDrv]: { outputs: ['out'], hashModulo: modulo(linkDrv) } },
      };
      const made = makeInputAddressedDerivation(spec);
      const drvPath = await conn.addTextToStore('run-gen.drv', made.text, [linkDrv]);
      expect(drvPath).toBe(made.drvPath);
      const [res] = await conn.buildPathsWithResults([`${drvPath}!out`]);
      expect(res?.success, res?.errorMsg).toBe(true);
      expect(fs.readFileSync(made.outputs['out'] as string, 'utf8')).toBe('generated 3\n');
    } finally {
      await conn.close();
    }
  });

  it('--dry-run with host packages never imported yet plans without contacting the daemon', () => {
    const dir = project({
      'nixmake.json': JSON.stringify({ hostPackages: ['zlib1g-dev'], targets: { z: { type: 'executable', sources: ['z.c'], libs: ['z'] } } }),
      'z.c': `${unique}#include <zlib.h>\nint main(void) { return zlibVersion()[0] == '1' ? 0 : 1; }\n`,
    });
    expect(build(dir).code).toBe(0);
    // A cache that knows the toolchain but not these packages, and no daemon at all.
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'nixmake-cache-'));
    fs.copyFileSync(path.join(os.homedir(), '.cache/nixmake/host-toolchain.json'), path.join(cache, 'host-toolchain.json'));
    fs.rmSync(path.join(dir, '.nixmake/toolchain'), { recursive: true, force: true });
    const r = nixmake(['build', '--dry-run', '--json', '-C', dir], { env: { NIXMAKE_CACHE_DIR: cache, NIX_DAEMON_SOCKET_PATH: path.join(cache, 'no-daemon') } });
    fs.rmSync(cache, { recursive: true, force: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e['event'] === 'node-planned').map((e) => e['label'])).toEqual(['z.c', 'z']);
  });
});
