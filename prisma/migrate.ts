import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTEXTS, databaseUrlEnv, type ContextName } from './contexts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Applies every context's migrations (`prisma migrate deploy`, offline JS engine) to its own
 * database, all contexts in parallel (each CLI run costs ~11 s of wall time, ENVIRONMENT.md).
 * @param urls database URL per context.
 * @throws Error with the CLI output of the first context that failed.
 */
export async function migrateAll(urls: Record<ContextName, string>): Promise<void> {
  await Promise.all(CONTEXTS.map((c) => migrate(c, urls[c])));
}

function migrate(context: ContextName, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const bin = path.join(root, 'node_modules', '.bin', 'prisma');
    const p = spawn(bin, ['migrate', 'deploy', '--config', path.join(root, 'prisma', context, 'prisma.config.ts')], {
      cwd: root,
      env: { ...process.env, [databaseUrlEnv(context)]: url, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrate deploy of ${context} failed:\n${out}`))));
  });
}

/** CLI: `tsx prisma/migrate.ts` migrates the databases named by `<CONTEXT>_DATABASE_URL`. */
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const urls = Object.fromEntries(
    CONTEXTS.map((c) => {
      const v = process.env[databaseUrlEnv(c)];
      if (!v) throw new Error(`${databaseUrlEnv(c)} is not set`);
      return [c, v];
    }),
  ) as Record<ContextName, string>;
  const t0 = Date.now();
  await migrateAll(urls);
  console.log(`migrations applied to ${CONTEXTS.length} databases in ${Date.now() - t0} ms`);
}
