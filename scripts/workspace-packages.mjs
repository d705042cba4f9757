// The workspace packages' folders, relative to the repository root and sorted: the globs of
// pnpm-workspace.yaml expanded to the folders holding a package.json, less the ones tsc does not
// compile — those whose tsconfig.json does not extend tsconfig.package.json (the web client,
// `web/`, is bundled by Vite). `pnpm build` compiles exactly these (`tsc -b $(node scripts/workspace-packages.mjs)`), so a new package under
// subgraphs/ is built with no list to edit. Plain JavaScript: it runs before anything is compiled.
// Run as a script it prints them on one line, separated by spaces.
import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The workspace packages of the repository at `root` (default: this repository).
 * @param {string} [root] absolute path of the repository root.
 * @returns {string[]} folders relative to `root`, e.g. `['events', 'router', 'subgraphs/kit', ...]`.
 */
export function workspacePackages(root = ROOT) {
  const yaml = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([^'"\s#]+)/gm)].map((m) => m[1]);
  const compiled = (dir) => /"extends"\s*:\s*"[^"]*tsconfig\.package\.json"/.test(readFileSync(path.join(root, dir, 'tsconfig.json'), 'utf8'));
  return globSync(
    globs.map((g) => `${g}/package.json`),
    { cwd: root },
  )
    .map((f) => path.dirname(f))
    .filter(compiled)
    .sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(workspacePackages().join(' '));
}
