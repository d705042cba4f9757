/** Reading settings from the environment (one place, validated). */

/**
 * Reads a required environment variable.
 * @throws Error naming the variable when it is unset or empty.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
}

/** Reads an integer environment variable (default when unset). @throws Error when not an integer. */
export function intEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`environment variable ${name} must be an integer, got "${v}"`);
  return n;
}

/** Splits a comma-separated variable (`value`, else `fallback`) into trimmed, non-empty items. */
export function commaList(value: string | undefined, fallback = ''): string[] {
  return (value ?? fallback).split(',').map((item) => item.trim()).filter(Boolean);
}
