/**
 * generateProject: writes a synthetic C project (sources, headers and its
 * three build files) into a folder, and writeBuildFiles rewrites only the
 * build files, e.g. with other extra flags. Both are thin writers over the
 * pure `projectTree` and `buildFiles`.
 *
 * The folder must be missing or empty: stale files would make two runs of
 * the same spec differ. Nothing here builds or runs the project.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildFiles } from './buildFiles.js';
import type { BuildFileOptions, GeneratedProject, ProjectSpec } from './ProjectSpec.js';
import { projectTree } from './projectTree.js';

export type { BuildFileOptions, Edits, GeneratedProject, ProjectSpec, Shape, TargetSpec } from './ProjectSpec.js';

export function generateProject(spec: ProjectSpec, dir: string, opts: BuildFileOptions): GeneratedProject {
  const root = path.resolve(dir);
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0) throw new Error(`${root} is not empty; the generator writes only into a new or empty folder`);
  const { project, files } = projectTree(spec, root, opts);
  writeFiles(root, files);
  return project;
}

export function writeBuildFiles(project: GeneratedProject, opts: BuildFileOptions): void {
  writeFiles(project.dir, buildFiles(project, opts));
}

function writeFiles(root: string, files: ReadonlyMap<string, string>): void {
  const made = new Set<string>();
  for (const [rel, text] of files) {
    const file = path.join(root, rel);
    const parent = path.dirname(file);
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    fs.writeFileSync(file, text);
  }
}
