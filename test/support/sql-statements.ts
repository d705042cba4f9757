/**
 * Counts the SQL statements this process sends to PostgreSQL, at the `pg` driver boundary
 * (`pg.Client.prototype.query`, which every context's Prisma adapter and every pool goes
 * through), by database. The statements still run on the real server: this only watches.
 *
 * Statements are grouped in units: a transaction (`BEGIN` … `COMMIT`/`ROLLBACK` on one
 * connection) or a statement outside one. A unit is *idle* when it changed and found nothing:
 * every statement in it returned or touched no row, apart from transaction control, advisory
 * locks and `SELECT 1` (a periodic job's tick with nothing due). Counts of *work* leave idle
 * units out, so time-driven polling does not blur what a request or an event costs; units that
 * touch `outbox_event` (other than appending to it) are the relay's and are always counted,
 * empty or not — an empty relay transaction is the waste this counter exists to show.
 */
import pg from 'pg';

/** One statement as sent: its database, text and the rows it returned or touched. */
export interface Statement {
  database: string;
  text: string;
  rows: number;
}

/** Statements of one transaction (or one statement outside a transaction) on one connection. */
export interface StatementUnit {
  database: string;
  statements: Statement[];
  /** True for the outbox relay's units (they read or mark `outbox_event`). */
  relay: boolean;
  /** True when nothing in it returned or touched a row (see the module doc). */
  idle: boolean;
  /** When its first statement was sent (`performance.now()`, ms). */
  startedAt: number;
}

const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SET TRANSACTION|SAVEPOINT|RELEASE SAVEPOINT)\b/i;
const NEUTRAL = /^\s*SELECT\s+pg_(try_)?advisory_xact_lock\(|^\s*SELECT 1\s*$/i;
const RELAY = /outbox_event/i;
const APPEND = /INSERT INTO outbox_event/i;

let installed: StatementCounter | undefined;

/**
 * The process-wide counter. {@link StatementCounter.install} patches the driver once; `reset()`
 * starts a new count. Only one counter per process (vitest runs each file in its own worker).
 */
export class StatementCounter {
  private units: StatementUnit[] = [];
  private readonly open = new WeakMap<object, StatementUnit>();

  /** Patches `pg.Client.prototype.query` (idempotent). @returns the process's counter. */
  static install(): StatementCounter {
    if (installed) return installed;
    const counter = new StatementCounter();
    // Called with apply(this, …) below: the method is never used unbound.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    pg.Client.prototype.query = function patched(this: pg.Client, ...args: unknown[]) {
      const config = args[0] as string | { text?: string } | undefined;
      const text = typeof config === 'string' ? config : (config?.text ?? '');
      const statement = counter.record(this, text);
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as (err: unknown, res?: pg.QueryResult) => void;
        args[last] = (err: unknown, res?: pg.QueryResult) => {
          if (res) statement.rows = res.rowCount ?? res.rows?.length ?? 0;
          callback(err, res);
        };
        return original.apply(this, args);
      }
      const result: unknown = original.apply(this, args);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<pg.QueryResult>).then(
          (res) => {
            statement.rows = res?.rowCount ?? res?.rows?.length ?? 0;
          },
          () => undefined,
        );
      }
      return result;
    } as typeof pg.Client.prototype.query;
    installed = counter;
    return counter;
  }

  /** Forgets everything counted so far. */
  reset(): void {
    this.units = [];
  }

  /** Every unit since the last reset (idle ones included). */
  all(): StatementUnit[] {
    return this.units.map((u) => ({ ...u, idle: isIdle(u) }));
  }

  /** Units that did work or belong to the relay (idle job ticks left out). */
  counted(): StatementUnit[] {
    return this.all().filter((u) => u.relay || !u.idle);
  }

  /**
   * Statements of {@link counted} units, by database name. @param databases maps a database name
   * to the label to report it under (e.g. its context); other databases are left out.
   */
  byLabel(databases: Record<string, string>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const u of this.counted()) {
      const label = databases[u.database];
      if (label) out[label] = (out[label] ?? 0) + u.statements.length;
    }
    return out;
  }

  /** `performance.now()` of the latest counted unit's start, or undefined when none. */
  lastActivity(): number | undefined {
    return this.counted().at(-1)?.startedAt;
  }

  private record(client: pg.Client, text: string): Statement {
    const database = (client as unknown as { connectionParameters?: { database?: string } }).connectionParameters?.database ?? '?';
    const statement: Statement = { database, text, rows: 0 };
    const begins = /^\s*BEGIN\b/i.test(text);
    const ends = /^\s*(COMMIT|ROLLBACK)\s*$/i.test(text);
    let unit = this.open.get(client);
    if (!unit || begins) {
      unit = { database, statements: [], relay: false, idle: true, startedAt: performance.now() };
      this.units.push(unit);
      if (begins) this.open.set(client, unit);
    }
    unit.statements.push(statement);
    if (RELAY.test(text) && !APPEND.test(text)) unit.relay = true;
    if (ends) this.open.delete(client);
    return statement;
  }
}

function isIdle(u: StatementUnit): boolean {
  return u.statements.every((s) => CONTROL.test(s.text) || NEUTRAL.test(s.text) || s.rows === 0);
}

/** A relay unit that published nothing (found no pending row, or only checked). */
export function isEmptyRelayUnit(u: StatementUnit): boolean {
  return u.relay && u.statements.every((s) => CONTROL.test(s.text) || NEUTRAL.test(s.text) || s.rows === 0);
}

/** Database name of a `postgresql://…/<db>` URL. */
export function databaseOf(url: string): string {
  return new URL(url).pathname.replace(/^\//, '');
}
