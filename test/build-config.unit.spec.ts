import { existsSync, globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { workspacePackages } from '../scripts/workspace-packages.mjs';
import { CONTEXTS } from '../contexts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folders a tsconfig file references (relative to the root). */
function references(tsconfigFile: string): string[] {
  const { config, error } = ts.readConfigFile(path.join(root, tsconfigFile), (file) => ts.sys.readFile(file));
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

  it('pnpm build and build:clean run tsc -b over every workspace package and the migration runner, each package with its tsconfig.json', () => {
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.build).toMatch(/^tsc -b \$\(node scripts\/workspace-packages\.mjs\) tsconfig\.migrate\.json && /);
    expect(scripts['build:clean']).toBe('tsc -b --clean $(node scripts/workspace-packages.mjs) tsconfig.migrate.json');
    expect(packages).toEqual(expect.arrayContaining(['events', 'router', 'subgraphs/kit', 'subgraphs/rental']));
    for (const dir of packages) expect(existsSync(path.join(root, dir, 'tsconfig.json')), `${dir}/tsconfig.json`).toBe(true);
  });

  it('the root package.json depends on every context of the registry (contexts.ts starts each by its package name)', () => {
    const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const declared = { ...rootPkg.dependencies, ...rootPkg.devDependencies };
    expect(CONTEXTS.filter((c) => declared[`@ebook/${c}`] !== 'workspace:*')).toEqual([]);
  });

  it('tsconfig.migrate.json keeps no list of packages: it compiles the registry against their built declarations', () => {
    const { config } = ts.readConfigFile(path.join(root, 'tsconfig.migrate.json'), (file) => ts.sys.readFile(file));
    expect(references('tsconfig.migrate.json')).toEqual([]);
    expect((config as { compilerOptions: { customConditions?: string[] } }).compilerOptions.customConditions).toEqual([]);
  });

  it.each(packages)('%s/tsconfig.json references exactly its workspace dependencies', (dir) => {
    const pkg = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = Object.keys(pkg.dependencies ?? {}).flatMap((name) => (byName.has(name) ? [byName.get(name)!] : []));
    expect(references(path.join(dir, 'tsconfig.json'))).toEqual(deps.sort());
  });
});

/** The settings of the `[*]` section of .editorconfig (key → value). */
function editorconfigDefaults(): Record<string, string> {
  const text = readFileSync(path.join(root, '.editorconfig'), 'utf8');
  const section = text.split(/^\[/m).find((s) => s.startsWith('*]')) ?? '';
  return Object.fromEntries([...section.matchAll(/^\s*([a-z_]+)\s*=\s*(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Editors follow .editorconfig, `pnpm format` follows prettier.config.js: they must not fight. */
describe('formatting configuration', () => {
  it('.editorconfig agrees with the Prettier config on indentation, line endings and line length', async () => {
    const prettier = await resolveConfig(path.join(root, 'contexts.ts'), { editorconfig: false });
    const editor = editorconfigDefaults();
    expect(prettier).not.toBeNull();
    expect({
      printWidth: Number(editor.max_line_length),
      tabWidth: Number(editor.indent_size),
      useTabs: editor.indent_style === 'tab',
      endOfLine: editor.end_of_line,
    }).toEqual({ printWidth: prettier!.printWidth, tabWidth: prettier!.tabWidth, useTabs: prettier!.useTabs, endOfLine: prettier!.endOfLine });
  });
});

/** The folder (relative to the root, '' for the root package) of the package that owns `file`: its nearest package.json. */
function owningPackage(file: string): string {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(root, dir, 'package.json'))) return dir === '.' ? '' : dir;
    if (dir === '.' || dir === '') return '';
  }
}

/**
 * A package uses another through its package name (its `exports`: sources under the `source`
 * condition, dist/ otherwise), never through a relative path into the other's src/: such an import
 * would run the other's sources where its compiled build is meant (the e2e project, the image).
 */
describe('imports between packages', () => {
  it('no file imports another package’s src/ by relative path', () => {
    const files = globSync(['**/*.ts', '**/*.mjs', '**/*.js'], { cwd: root, exclude: (f) => /(^|\/)(node_modules|dist|generated|__generated__|\.cache|\.data)$/.test(f) });
    expect(files.length).toBeGreaterThan(100);
    const crossings: string[] = [];
    for (const file of files) {
      const text = readFileSync(path.join(root, file), 'utf8');
      const own = owningPackage(file);
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.normalize(path.join(path.dirname(file), m[1]!));
        const pkg = owningPackage(target);
        if (pkg !== own && target.startsWith(path.join(pkg, 'src') + path.sep)) crossings.push(`${file} → ${m[1]}`);
      }
    }
    expect(crossings).toEqual([]);
  });
});
