/**
 * `pnpm codegen:check`: runs GraphQL Code Generator with `codegen.ts` in memory (writes nothing)
 * and exits 1, naming each file, when a committed generated file (resolver types, the web client's operation types) is missing or differs
 * from what `pnpm codegen` would write (a subgraph's schema.graphql changed without it).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen';

const root = fileURLToPath(new URL('..', import.meta.url));
// generate() is typed `any`; with saveOutput = false it resolves to the files it would write.
const outputs = (await generate({ ...config, cwd: root, silent: true }, false)) as { filename: string; content: string }[];
const stale = outputs
  .filter(({ filename, content }) => {
    const file = path.resolve(root, filename);
    return !existsSync(file) || readFileSync(file, 'utf8') !== content;
  })
  .map(({ filename }) => path.relative(root, path.resolve(root, filename)));
if (stale.length > 0) {
  console.error(`Stale generated types (run \`pnpm codegen\` and commit them):\n${stale.map((f) => `  ${f}`).join('\n')}`);
  process.exit(1);
}
console.log(`generated types up to date (${outputs.length} files)`);
