/**
 * Build step: composes the supergraph and writes router/supergraph.graphql.
 * `--check`: fails (exit 1) when composition fails or the committed file is stale (CI).
 */
import { composeSupergraph } from '../src/compose';
import { SUPERGRAPH_FILE } from '../src/subgraphs';
import { writeOrCheck } from './generated-file';

let sdl: string;
try {
  sdl = composeSupergraph();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
writeOrCheck(SUPERGRAPH_FILE, sdl, 'pnpm compose');
