/**
 * The layers: lower folders never import upper ones. core/ (diagnostics,
 * node keys) is at the bottom; config/, analyzers/, cache/, toolchain/,
 * store/ and init/ may import each other's lower parts but never engine/,
 * reporters/ or cli/; engine/ never imports reporters/ or cli/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/project.js';

const UPPER: Record<string, readonly string[]> = {
  core: ['config', 'analyzers', 'cache', 'toolchain', 'store', 'init', 'engine', 'reporters', 'cli'],
  config: ['engine', 'reporters', 'cli'],
  analyzers: ['engine', 'reporters', 'cli'],
  cache: ['engine', 'reporters', 'cli'],
  toolchain: ['engine', 'reporters', 'cli'],
  store: ['config', 'analyzers', 'cache', 'engine', 'reporters', 'cli', 'init'],
  init: ['engine', 'reporters', 'cli'],
  engine: ['reporters', 'cli'],
};

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1] as string);
}

describe('layering', () => {
  for (const [folder, forbidden] of Object.entries(UPPER)) {
    it(`${folder}/ imports nothing from ${forbidden.join(', ')}`, () => {
      const dir = path.join(REPO, folder);
      const bad: string[] = [];
      for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
        for (const spec of importsOf(path.join(dir, name))) {
          if (!spec.startsWith('.')) continue;
          const target = path.relative(REPO, path.resolve(dir, spec)).split(path.sep)[0] ?? '';
          if (forbidden.includes(target)) bad.push(`${folder}/${name} imports ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
