import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTEXTS } from '../contexts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Imports `file` (a path under the root) as a module of this test run. */
const importFile = (file: string): Promise<Record<string, unknown>> => import(pathToFileURL(path.join(root, file)).href);

/**
 * The e2e stack (`router/src/stack.ts` → `contexts.ts`) starts each context through its package
 * name (`@ebook/<context>`); in the e2e project that name must resolve to the compiled build
 * (`subgraphs/<context>/dist/index.js`, what the image runs), not to the TypeScript sources the
 * unit and integration projects use. A module imported twice under one resolved file is one
 * instance: the package's exports are then the very objects of its dist/index.js.
 */
describe('the e2e project runs the compiled contexts', () => {
  it.each(CONTEXTS)('@ebook/%s resolves to its dist/', async (context) => {
    const dist = `subgraphs/${context}/dist/index.js`;
    expect(existsSync(path.join(root, dist)), `${dist} (pnpm build)`).toBe(true);
    // One import after the other: two imports of one module in flight at once may evaluate it twice.
    const byName = (await import(`@ebook/${context}`)) as Record<string, unknown>;
    const compiled = await importFile(dist);
    const exported = Object.keys(compiled).filter((k) => typeof compiled[k] === 'function');
    expect(exported.length).toBeGreaterThan(0);
    for (const name of exported) expect(byName[name], `${name} of @ebook/${context}`).toBe(compiled[name]);
  });

  it('the shared kit and events library resolve to their dist/ too', async () => {
    const kit = await import('@ebook/subgraph-kit');
    const kitDist = await importFile('subgraphs/kit/dist/index.js');
    const events = await import('@ebook/events');
    const eventsDist = await importFile('events/dist/index.js');
    expect(kit.TokenVerifier).toBe(kitDist.TokenVerifier);
    expect(events.unitOfWork).toBe(eventsDist.unitOfWork);
  });
});
