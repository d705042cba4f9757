import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The workspace packages' folders (relative to the root) that tsc compiles — from the globs of
 * pnpm-workspace.yaml, those whose tsconfig.json extends tsconfig.package.json. The web client
 * (`web/`, bundled by Vite, its tsconfig only type-checks) is not one of them.
 */
function workspacePackages(): string[] {
  const yaml = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([^'"\s#]+)/gm)].map((m) => m[1]!);
  const compiled = (dir: string) => {
    const { config } = ts.readConfigFile(path.join(root, dir, 'tsconfig.json'), ts.sys.readFile);
    return typeof config?.extends === 'string' && config.extends.endsWith('tsconfig.package.json');
  };
  return globSync(globs.map((g) => `${g}/package.json`), { cwd: root }).map((f) => path.dirname(f)).filter(compiled).sort();
}

/** The folders a tsconfig file references (relative to the root). */
function references(tsconfigFile: string): string[] {
  const { config, error } = ts.readConfigFile(path.join(root, tsconfigFile), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const dir = path.dirname(tsconfigFile);
  return ((config.references ?? []) as { path: string }[]).map((r) => path.normalize(path.join(dir, r.path))).sort();
}

/**
 * `pnpm build` (tsc -b tsconfig.build.json) compiles only the packages it is told about: a package
 * missing there would have no dist/ in the image, and one whose tsconfig.json misses a workspace
 * dependency would be built before it.
 */
describe('build configuration', () => {
  const packages = workspacePackages();
  const byName = new Map(packages.map((dir) => [(JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { name: string }).name, dir]));

  it('tsconfig.build.json references every workspace package', () => {
    expect(packages.length).toBeGreaterThan(0);
    expect(references('tsconfig.build.json')).toEqual(packages);
  });

  it.each(packages)('%s/tsconfig.json references exactly its workspace dependencies', (dir) => {
    const pkg = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = Object.keys(pkg.dependencies ?? {}).flatMap((name) => (byName.has(name) ? [byName.get(name)!] : []));
    expect(references(path.join(dir, 'tsconfig.json'))).toEqual(deps.sort());
  });
});
