// Generates every context's Prisma client (pnpm postinstall). Offline: JS engine, no downloads.
// DATABASE_URL vars only need to be set: unset, the CLI tries to download an engine.
// The contexts are the folders prisma/<context>/ with a prisma.config.ts (the registry's
// contexts, contexts.ts, each has one); plain JavaScript, so it runs before anything is compiled.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
const contexts = readdirSync('prisma', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`prisma/${d.name}/prisma.config.ts`))
  .map((d) => d.name)
  .sort();
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
for (const c of contexts) {
  const name = `${c.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
  env[name] ??= 'postgresql://postgres@127.0.0.1:5432/unused';
}
const run = (c) =>
  new Promise((resolve, reject) => {
    const p = spawn('pnpm', ['exec', 'prisma', 'generate', '--config', `prisma/${c}/prisma.config.ts`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`prisma generate ${c} failed:\n${out}`))));
  });
const t0 = Date.now();
// One retry per context: a concurrent install (or an editor holding the output folder) can make
// a generate fail spuriously; a second failure is real and fails the install.
await Promise.all(
  contexts.map((c) =>
    run(c).catch((err) => {
      console.warn(`retrying prisma generate for ${c}: ${err.message.split('\n').slice(0, 3).join(' ')}`);
      return run(c);
    }),
  ),
);
console.log(`prisma clients generated for ${contexts.length} contexts in ${Date.now() - t0} ms`);
