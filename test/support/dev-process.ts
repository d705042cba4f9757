/**
 * `pnpm dev` as a test runs it: a child process in its own process group on the ports a test
 * chooses, with a data directory of its own; stopped with Ctrl-C (SIGINT to the group), or
 * killed with the PostgreSQL server it started when a test failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runningServerPid } from '../../scripts/embedded-postgres';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The ports `pnpm dev` listens on (its env: PORT, DEV_SUBGRAPH_PORT, DEV_PG_PORT, DEV_SMTP_PORT, DEV_MAIL_WEB_PORT). */
export interface DevPorts {
  gateway: number;
  /** The first context's port; the others follow (scripts/dev.ts). */
  subgraphBase: number;
  pg: number;
  smtp: number;
  mailWeb: number;
}

/** A running `pnpm dev` in its own process group, with everything it printed. */
export interface DevProcess {
  proc: ChildProcess;
  output: () => string;
}

/** Starts `pnpm dev` on `ports` with `dataDir` and extra env; resolves once it is serving. @throws when it exits first (with its output). */
export async function startDev(dataDir: string, ports: DevPorts, env: Record<string, string> = {}): Promise<DevProcess> {
  let output = '';
  const proc = spawn('pnpm', ['dev'], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(ports.gateway),
      DEV_SUBGRAPH_PORT: String(ports.subgraphBase),
      DEV_PG_PORT: String(ports.pg),
      DEV_SMTP_PORT: String(ports.smtp),
      DEV_MAIL_WEB_PORT: String(ports.mailWeb),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C in a terminal signals the whole group (pnpm, tsx, node).
    detached: true,
  });
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearInterval(timer);
        resolve();
      }
      if (proc.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`pnpm dev exited early:\n${output}`));
      }
    }, 200);
  });
  return { proc, output: () => output };
}

/**
 * Ctrl-C: SIGINT to the whole process group. Resolves when every process of it has let go of
 * stdout (pnpm may exit before the node process it started has finished shutting down).
 */
export async function ctrlC(dev: DevProcess): Promise<void> {
  // Both streams: what a crash prints on stderr must be in the output the test reports.
  const closed = [dev.proc.stdout!, dev.proc.stderr!].map((stream) => new Promise<void>((resolve) => stream.once('close', () => resolve())));
  process.kill(-dev.proc.pid!, 'SIGINT');
  await Promise.all(closed);
}

/** The exit code of `pnpm` itself (null when a signal ended it). */
export function exitCode(dev: DevProcess): Promise<number | null> {
  if (dev.proc.exitCode !== null || dev.proc.signalCode !== null) return Promise.resolve(dev.proc.exitCode);
  return new Promise((resolve) => dev.proc.once('exit', (code) => resolve(code)));
}

/**
 * Kills a `pnpm dev` that is still running (a failed test), and the PostgreSQL server it left
 * behind in `dataDir`: the server runs in its own session, beyond the reach of the process group.
 */
export function killDev(dev: DevProcess | undefined, dataDir: string): void {
  if (dev && dev.proc.exitCode === null && dev.proc.signalCode === null) {
    try {
      process.kill(-dev.proc.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const postgres = runningServerPid(dataDir);
  if (postgres !== undefined) process.kill(postgres, 'SIGQUIT');
}
