/**
 * Imported first by `pnpm dev`: turns on Node's on-disk compile cache (V8 code cache of every
 * module loaded afterwards, in `.cache/node-compile-cache`), so a later start compiles the
 * dependencies' JavaScript from the cache instead of from source. Node discards stale entries
 * itself (they are keyed by the module's content); an older Node without the API runs as before.
 */
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

enableCompileCache?.(fileURLToPath(new URL('../.cache/node-compile-cache', import.meta.url)));
