/**
 * Build step: composes the supergraph and writes router/supergraph.graphql.
 * `--check`: fails (exit 1) when composition fails or the committed file is stale (CI).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeSupergraph } from '../src/compose';
import { SUPERGRAPH_FILE } from '../src/subgraphs';

const check = process.argv.includes('--check');
try {
  const sdl = composeSupergraph();
  const file = fileURLToPath(SUPERGRAPH_FILE);
  if (check) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current !== sdl) {
      console.error('router/supergraph.graphql is stale: run `pnpm compose` and commit it');
      process.exit(1);
    }
    console.log('supergraph composes and router/supergraph.graphql is up to date');
  } else {
    writeFileSync(file, sdl);
    console.log(`wrote ${file}`);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
