/**
 * `pnpm start <service>`: runs one service from its compiled production entry under plain node
 * (after `pnpm build`) — `gateway` (`router/dist/main.js`) or a context of the registry
 * (`subgraphs/<name>/dist/main.js`, see `contexts.ts`), without the `source` condition pnpm adds
 * for development. Signals are passed on and its exit code is this command's. In a container,
 * run `node <entry>` instead (node as PID 1, see the Dockerfile).
 * @throws (exit 1) for a missing or unknown service name, or an entry not built yet.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledEntryOf, contextEntry, CONTEXTS } from '../contexts';

const service = process.argv[2];
if (!service) {
  console.error(`usage: pnpm start <service>   (gateway, ${CONTEXTS.join(', ')})`);
  process.exit(1);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, service === 'gateway' ? 'router/dist/main.js' : compiledEntryOf(contextEntry(service).name));
if (!existsSync(compiled)) {
  console.error(`${path.relative(root, compiled)} does not exist: run pnpm build first`);
  process.exit(1);
}
const env = { ...process.env };
delete env.NODE_OPTIONS; // no `--conditions=source`: the packages resolve to their dist/
const child = spawn(process.execPath, [compiled], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
