/**
 * `pnpm start <service>`: runs one service from its production entry — `gateway`
 * (`router/src/main.ts`) or a context of the registry (`subgraphs/<name>/src/main.ts`, see
 * `contexts.ts`). In a container, run `node --import tsx <entry>` instead (node as PID 1, see the
 * Dockerfile). @throws (exit 1) for a missing or unknown service name.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { contextEntry, CONTEXTS, entryOf } from '../contexts';

const service = process.argv[2];
if (!service) {
  console.error(`usage: pnpm start <service>   (gateway, ${CONTEXTS.join(', ')})`);
  process.exit(1);
}
const entry = service === 'gateway' ? 'router/src/main.ts' : entryOf(contextEntry(service).name);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await import(pathToFileURL(path.join(root, entry)).href);
