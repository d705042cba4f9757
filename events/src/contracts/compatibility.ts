import { z } from 'zod';

/**
 * Compatibility of event contracts with their committed snapshot (`events/contracts.lock.json`).
 *
 * The rule is Confluent Schema Registry's FULL compatibility, checked between the locked and
 * the live schema of one `<type>@v<version>` (https://docs.confluent.io/platform/current/schema-registry/fundamentals/schema-evolution.html):
 * - BACKWARD — consumers on the new code read events written with the previous schema (still
 *   in Kafka, in an outbox, in a `.dlt`, or from a producer not yet redeployed);
 * - FORWARD — consumers still on the previous code read events written with the new schema
 *   (a rolling deploy upgrades the producer first, or a consumer is rolled back).
 * Both hold because consumers validate `data` with their OWN contract
 * (`inbox/idempotent-consumer.ts`): a value one side rejects is dead-lettered.
 *
 * Hence, within one version:
 * - compatible: adding an OPTIONAL property (zod objects strip unknown keys, so consumers of the
 *   previous version ignore it, and events of the previous version simply lack it); changing
 *   annotations (`description`, `title`, `examples`, `default`, `$schema`, ...);
 * - breaking: removing a property — stricter than Confluent FULL, which allows deleting an
 *   optional field: a handler of the previous version may read it, and a name once used must
 *   keep its type (a later re-add with another type would reach consumers of the previous
 *   version); a property becoming required (was optional or absent) or becoming optional (was
 *   required: previous consumers reject events without it); any change of `type` (including
 *   nullable ↔ non-nullable, integer ↔ number), of `format`, `pattern`, bounds, length, `const`;
 *   enum values REMOVED (new consumers reject old events) and enum values ADDED (consumers of
 *   the previous version reject the new value — add a value with a version bump);
 *   `additionalProperties`/`items`/union branches changing.
 * A breaking change needs a new version (`version: N + 1`), which consumers must be ready for.
 *
 * Schemas are the JSON Schema of `data` as zod 4 emits it with `z.toJSONSchema(schema, { io: 'input' })`
 * (what a producer may send: optional = not in `required`, nullable = `anyOf [..., {type: null}]`).
 * Unknown keywords are compared verbatim, so anything this function does not understand is
 * reported rather than silently accepted. A zod upgrade that changes a built-in regex (e.g. of
 * `z.uuid()`) shows up as a changed `pattern`: review it, then `pnpm events:lock --force`.
 */

/** A JSON Schema document or sub-schema (draft 2020-12 as emitted by zod 4). */
export type JsonSchema = { [keyword: string]: unknown };

/** Keywords that do not change which values are valid. */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly']);
/** Keywords this module compares with dedicated rules. */
const HANDLED = new Set(['type', 'nullable', 'enum', 'const', 'properties', 'required', 'items', 'anyOf', 'oneOf']);

const isSchema = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v);

/** Stable JSON text (sorted keys) — equality of schemas regardless of key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isSchema(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Splits `anyOf: [X, {type: 'null'}]` (zod's `.nullable()`) into X and a nullable flag. */
function normalize(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) {
    const isNull = (b: unknown) => isSchema(b) && b.type === 'null' && Object.keys(b).length === 1;
    const rest = branches.filter((b) => !isNull(b));
    if (rest.length < branches.length) {
      const { anyOf: _a, oneOf: _o, ...own } = schema;
      const inner = rest.length === 1 && isSchema(rest[0]) ? { ...own, ...rest[0] } : { ...own, [schema.anyOf ? 'anyOf' : 'oneOf']: rest };
      return { schema: inner, nullable: true };
    }
  }
  const types = typeOf(schema);
  if (types?.includes('null') && types.length > 1) {
    const nonNull = types.filter((t) => t !== 'null');
    return { schema: { ...schema, type: nonNull.length === 1 ? nonNull[0] : nonNull }, nullable: true };
  }
  return { schema, nullable: schema.nullable === true };
}

function typeOf(schema: JsonSchema): string[] | undefined {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string').sort();
  return undefined;
}

/** Allowed values of an `enum` or `const`, or undefined when unconstrained. */
function allowedValues(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum as unknown[];
  if ('const' in schema) return [schema.const];
  return undefined;
}

/**
 * Breaking changes of `current` for consumers and producers of `previous` (FULL compatibility,
 * see the module comment), each as `"<path>: <what changed>"`; `[]` when compatible.
 */
export function breakingChanges(previous: JsonSchema, current: JsonSchema, path = 'data'): string[] {
  if (canonicalJson(previous) === canonicalJson(current)) return [];
  const out: string[] = [];
  const prev = normalize(previous);
  const curr = normalize(current);
  if (prev.nullable && !curr.nullable) out.push(`${path}: is no longer nullable (events of the previous schema may carry null)`);
  if (!prev.nullable && curr.nullable) out.push(`${path}: became nullable (consumers of the previous schema reject null)`);
  const p = prev.schema;
  const c = curr.schema;

  const pt = typeOf(p);
  const ct = typeOf(c);
  if (canonicalJson(pt) !== canonicalJson(ct)) {
    out.push(`${path}: type changed from ${pt ? pt.join('|') : 'any'} to ${ct ? ct.join('|') : 'any'}`);
  }

  const pv = allowedValues(p);
  const cv = allowedValues(c);
  if (pv || cv) {
    if (!cv) out.push(`${path}: no longer restricted to ${show(pv)} (consumers of the previous schema reject other values)`);
    else if (!pv) out.push(`${path}: now restricted to ${show(cv)} (rejects values the previous schema allowed)`);
    else {
      const key = (v: unknown) => canonicalJson(v);
      const removed = pv.filter((v) => !cv.some((w) => key(w) === key(v)));
      const added = cv.filter((v) => !pv.some((w) => key(w) === key(v)));
      if (removed.length) out.push(`${path}: enum value(s) removed: ${removed.map(show).join(', ')} (events of the previous schema may carry them)`);
      if (added.length) out.push(`${path}: enum value(s) added: ${added.map(show).join(', ')} (consumers of the previous schema reject them)`);
    }
  }

  // Objects: properties and required-ness.
  const pp = isSchema(p.properties) ? p.properties : undefined;
  const cp = isSchema(c.properties) ? c.properties : undefined;
  if (pp || cp) {
    const preq = new Set(Array.isArray(p.required) ? (p.required as string[]) : []);
    const creq = new Set(Array.isArray(c.required) ? (c.required as string[]) : []);
    for (const name of Object.keys(pp ?? {})) {
      const sub = `${path}.${name}`;
      if (!cp || !(name in cp)) {
        out.push(`${sub}: property removed${preq.has(name) ? ' (it was required)' : ''}`);
        continue;
      }
      if (!preq.has(name) && creq.has(name)) out.push(`${sub}: became required (events of the previous schema may lack it)`);
      if (preq.has(name) && !creq.has(name)) out.push(`${sub}: became optional (consumers of the previous schema require it)`);
      const a = pp?.[name];
      const b = cp[name];
      if (isSchema(a) && isSchema(b)) out.push(...breakingChanges(a, b, sub));
      else if (canonicalJson(a) !== canonicalJson(b)) out.push(`${sub}: schema changed from ${show(a)} to ${show(b)}`);
    }
    for (const name of Object.keys(cp ?? {})) {
      if (pp && name in pp) continue;
      if (creq.has(name)) out.push(`${path}.${name}: new required property (events of the previous schema lack it)`);
    }
  }

  // Arrays.
  if (p.items !== undefined || c.items !== undefined) {
    if (isSchema(p.items) && isSchema(c.items)) out.push(...breakingChanges(p.items, c.items, `${path}[]`));
    else if (canonicalJson(p.items) !== canonicalJson(c.items)) out.push(`${path}[]: items changed from ${show(p.items)} to ${show(c.items)}`);
  }

  // Unions (other than nullable): the set of branches must stay the same.
  for (const kw of ['anyOf', 'oneOf'] as const) {
    const a = Array.isArray(p[kw]) ? (p[kw] as unknown[]) : [];
    const b = Array.isArray(c[kw]) ? (c[kw] as unknown[]) : [];
    const removed = a.filter((x) => !b.some((y) => canonicalJson(x) === canonicalJson(y)));
    const added = b.filter((x) => !a.some((y) => canonicalJson(x) === canonicalJson(y)));
    if (removed.length) out.push(`${path}: ${kw} branch(es) removed or changed: ${removed.map(show).join(', ')}`);
    if (added.length) out.push(`${path}: ${kw} branch(es) added or changed: ${added.map(show).join(', ')}`);
  }

  // Every other validation keyword (format, pattern, minimum, maxLength, additionalProperties, ...):
  // any change makes one side reject values the other accepts.
  const others = new Set([...Object.keys(p), ...Object.keys(c)].filter((k) => !ANNOTATIONS.has(k) && !HANDLED.has(k)));
  for (const kw of [...others].sort()) {
    if (canonicalJson(p[kw]) === canonicalJson(c[kw])) continue;
    if (!(kw in c)) out.push(`${path}: ${kw} ${show(p[kw])} removed (consumers of the previous schema still enforce it)`);
    else if (!(kw in p)) out.push(`${path}: ${kw} ${show(c[kw])} added (rejects values the previous schema allowed)`);
    else out.push(`${path}: ${kw} changed from ${show(p[kw])} to ${show(c[kw])}`);
  }
  return out;
}

/** One entry of `contracts.lock.json`: the snapshot of a contract version. */
export interface LockedContract {
  type: string;
  version: number;
  topic: string;
  /** JSON Schema of `data` (input side). */
  data: JsonSchema;
}

/** `events/contracts.lock.json`. */
export interface ContractsLock {
  $comment?: string;
  /** By `<type>@v<version>`. */
  contracts: Record<string, LockedContract>;
}

/** The part of an event contract the lock records. */
export interface ContractLike {
  type: string;
  version: number;
  /** Its topic (for this package's contracts, one of the `Topic`s of `define.ts`). */
  topic: string;
  data: z.ZodType;
}

/** `<type>@v<version>`, the key of a lock entry. */
export const lockKey = (c: { type: string; version: number }) => `${c.type}@v${c.version}`;

/** JSON Schema of a contract's `data`, as stored in the lock. */
export function dataSchemaOf(contract: ContractLike): JsonSchema {
  return z.toJSONSchema(contract.data, { io: 'input' });
}

/** The lock entry of a live contract. */
export function snapshotOf(contract: ContractLike): LockedContract {
  return { type: contract.type, version: contract.version, topic: contract.topic, data: dataSchemaOf(contract) };
}

/**
 * How a live contract relates to the lock, and what is wrong if anything:
 * - `locked`: its `<type>@v<version>` is in the lock; `problems` lists breaking changes
 *   against it (topic moved, {@link breakingChanges} of `data`), `changed` tells whether the
 *   live schema differs at all (a compatible change the lock does not record yet);
 * - `new`: not in the lock but a valid next version (v1 of a new type, or the latest locked
 *   version + 1 with that previous entry still in the lock): `problems` = ["not in
 *   contracts.lock.json — run pnpm events:lock"];
 * - `invalid`: a version that may never be locked (skips or goes back).
 */
export function compareWithLock(lock: ContractsLock, contract: ContractLike): { key: string; status: 'locked' | 'new' | 'invalid'; changed: boolean; problems: string[] } {
  const key = lockKey(contract);
  const locked = lock.contracts[key];
  if (locked) {
    const live = snapshotOf(contract);
    const problems = [
      ...(locked.topic !== live.topic ? [`topic changed from ${locked.topic} to ${live.topic} (consumers of the previous topic stop receiving it)`] : []),
      ...breakingChanges(locked.data, live.data),
    ].map((p) => `${key}: ${p}`);
    return { key, status: 'locked', changed: canonicalJson(locked) !== canonicalJson(live), problems };
  }
  const versions = Object.values(lock.contracts)
    .filter((l) => l.type === contract.type)
    .map((l) => l.version);
  const latest = versions.length ? Math.max(...versions) : 0;
  const notLocked = `${key}: not in contracts.lock.json — run pnpm events:lock`;
  if (latest === 0) {
    return contract.version === 1
      ? { key, status: 'new', changed: true, problems: [notLocked] }
      : { key, status: 'invalid', changed: true, problems: [`${key}: a new event type starts at version 1`] };
  }
  if (contract.version === latest + 1) return { key, status: 'new', changed: true, problems: [notLocked] };
  if (contract.version > latest + 1) {
    return { key, status: 'invalid', changed: true, problems: [`${key}: skips versions — the latest locked version is v${latest}, the next one is v${latest + 1}`] };
  }
  return {
    key,
    status: 'invalid',
    changed: true,
    problems: [`${key}: v${contract.version} is missing from contracts.lock.json while v${latest} is locked (versions never go back; locked entries must stay)`],
  };
}

/**
 * Every problem of the live contracts against the lock (empty = compatible and fully locked):
 * breaking changes of locked versions, unlocked or invalid versions, a version bump whose
 * previous version is missing from the lock, and locked versions newer than the live one or of
 * a type that no longer exists (events of them may still be in Kafka; remove such an entry
 * from the lock deliberately, in review).
 */
export function checkContractsAgainstLock(lock: ContractsLock, contracts: Record<string, ContractLike>): string[] {
  const problems: string[] = [];
  const live = Object.values(contracts);
  for (const contract of live) {
    problems.push(...compareWithLock(lock, contract).problems);
    if (contract.version > 1) {
      const previous = lockKey({ type: contract.type, version: contract.version - 1 });
      if (!lock.contracts[previous]) problems.push(`${lockKey(contract)}: the previous version ${previous} must stay in contracts.lock.json`);
    }
  }
  for (const [key, locked] of Object.entries(lock.contracts)) {
    if (key !== lockKey(locked)) problems.push(`${key}: lock entry is for ${lockKey(locked)} (edited by hand?)`);
    const current = live.find((c) => c.type === locked.type);
    if (!current) problems.push(`${key}: locked but ${locked.type} is no longer in CONTRACTS (events of it may still be in Kafka)`);
    else if (locked.version > current.version) problems.push(`${key}: locked but the live ${locked.type} is v${current.version} (versions never go back)`);
  }
  return problems;
}
