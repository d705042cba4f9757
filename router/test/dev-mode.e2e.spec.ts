import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRentalScenario } from './rental-scenario';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GATEWAY_PORT = 4100;

/**
 * `pnpm dev` as a first user runs it: a fresh data directory, PGlite, the embedded bus,
 * seeded catalog and manager — then the whole acceptance scenario, then Ctrl-C.
 */
describe('pnpm dev (embedded PostgreSQL + embedded bus)', () => {
  let dev: ChildProcess;
  let output = '';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ebook-dev-'));

  beforeAll(async () => {
    dev = spawn('pnpm', ['dev'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(GATEWAY_PORT),
        DEV_SUBGRAPH_PORT: String(GATEWAY_PORT + 1),
        DEV_PG_PORT: '54400',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: Ctrl-C in a terminal signals the whole group (pnpm, tsx, node).
      detached: true,
    });
    dev.stdout!.on('data', (d) => (output += d));
    dev.stderr!.on('data', (d) => (output += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('Press Ctrl-C to stop.')) {
          clearInterval(timer);
          resolve();
        }
        if (dev.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`pnpm dev exited early:\n${output}`));
        }
      }, 200);
    });
  });

  afterAll(() => {
    if (dev && dev.exitCode === null && dev.signalCode === null) {
      try {
        process.kill(-dev.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the gateway, the playground and how to get a token', () => {
    expect(output).toContain(`http://localhost:${GATEWAY_PORT}/graphql`);
    expect(output).toContain(`http://localhost:${GATEWAY_PORT}/playground`);
    expect(output).toMatch(/login\(email: "manager@ebook\.local"/);
  });

  it('serves the offline playground from the gateway', async () => {
    const page = await fetch(`http://localhost:${GATEWAY_PORT}/playground`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('graphiql');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\.(com|net|io|org)\//i);
  });

  it('has at least 100 seeded public-domain books', async () => {
    let count = 0;
    let after: string | null = null;
    for (;;) {
      const res = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'query($after: String) { books(first: 100, after: $after) { edges { node { title author publishedYear } } pageInfo { endCursor hasNextPage } } }',
          variables: { after },
        }),
      });
      const body = (await res.json()) as any;
      count += body.data.books.edges.length;
      if (!body.data.books.pageInfo.hasNextPage) break;
      after = body.data.books.pageInfo.endCursor;
    }
    expect(count).toBeGreaterThanOrEqual(100);
  });

  it('runs the whole rental scenario', async () => {
    await runRentalScenario(`http://localhost:${GATEWAY_PORT}`, { managerEmail: 'manager@ebook.local', managerPassword: 'manager-dev-password' });
  });

  it('stops cleanly on Ctrl-C (SIGINT): everything shut down, nothing left listening', async () => {
    await new Promise<void>((resolve) => {
      dev.once('exit', () => resolve());
      process.kill(-dev.pid!, 'SIGINT');
    });
    expect(output).toContain('stopping');
    expect(output).toMatch(/^stopped$/m);
    expect(output).not.toMatch(/timed out|Error:/);
    for (const port of [GATEWAY_PORT, GATEWAY_PORT + 1, GATEWAY_PORT + 3, 54400]) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });
      expect(refused, `port ${port} still open`).toBe(true);
    }
  });
});
