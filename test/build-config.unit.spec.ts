import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { workspacePackages } from '../scripts/workspace-packages.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folders a tsconfig file references (relative to the root). */
function references(tsconfigFile: string): string[] {
  const { config, error } = ts.readConfigFile(path.join(root, tsconfigFile), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const dir = path.dirname(tsconfigFile);
  return ((config.references ?? []) as { path: string }[]).map((r) => path.normalize(path.join(dir, r.path))).sort();
}

/**
 * `pnpm build` (tsc -b over scripts/workspace-packages.mjs: every folder of pnpm-workspace.yaml's
 * globs) compiles only the packages it is told about: a package it did not name would have no
 * dist/ in the image, and one whose tsconfig.json misses a workspace dependency would be built
 * before it.
 */
describe('build configuration', () => {
  const packages = workspacePackages();
  const byName = new Map(packages.map((dir) => [(JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { name: string }).name, dir]));

  it('pnpm build and build:clean run tsc -b over every workspace package, each with its tsconfig.json', () => {
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.build).toMatch(/^tsc -b \$\(node scripts\/workspace-packages\.mjs\) && /);
    expect(scripts['build:clean']).toBe('tsc -b --clean $(node scripts/workspace-packages.mjs)');
    expect(packages).toEqual(expect.arrayContaining(['events', 'router', 'subgraphs/kit', 'subgraphs/rental']));
    for (const dir of packages) expect(existsSync(path.join(root, dir, 'tsconfig.json')), `${dir}/tsconfig.json`).toBe(true);
  });

  it.each(packages)('%s/tsconfig.json references exactly its workspace dependencies', (dir) => {
    const pkg = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = Object.keys(pkg.dependencies ?? {}).flatMap((name) => (byName.has(name) ? [byName.get(name)!] : []));
    expect(references(path.join(dir, 'tsconfig.json'))).toEqual(deps.sort());
  });
});
