/** Reading settings from the environment (one place, validated). */

import { parse as parseIsoDuration } from 'tinyduration';

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
  return (value ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** A configuration value that cannot be used; the message names the variable and what it expects. */
export class ConfigError extends Error {
  constructor(
    /** The environment variable. */
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/**
 * An ISO-8601 duration (`P14D`, `PT24H`, `PT5S`, `P1W`, `P1DT12H`, `PT0.5S`) in milliseconds,
 * rounded to the nearest ms, parsed by `tinyduration` (syntax only) with fixed units: days are
 * 24 h and weeks 7 days (no calendar, time zone or daylight saving); years and months are refused
 * (their length depends on the calendar).
 * @param variable the variable it came from, for the error message.
 * @throws ConfigError for malformed text, years or months, a negative duration, or more than
 *   `Number.MAX_SAFE_INTEGER` ms.
 */
export function isoDurationMs(variable: string, text: string): number {
  let d: ReturnType<typeof parseIsoDuration>;
  try {
    d = parseIsoDuration(text.trim());
  } catch {
    throw new ConfigError(variable, `"${text}" is not an ISO-8601 duration (e.g. P14D, PT24H, PT30S)`);
  }
  if (d.negative) throw new ConfigError(variable, `"${text}" is negative`);
  if (d.years || d.months) throw new ConfigError(variable, `"${text}" uses years or months, whose length depends on the calendar; use days (P30D) or weeks`);
  const ms = (d.weeks ?? 0) * WEEK_MS + (d.days ?? 0) * DAY_MS + (d.hours ?? 0) * HOUR_MS + (d.minutes ?? 0) * MINUTE_MS + (d.seconds ?? 0) * SECOND_MS;
  if (!Number.isSafeInteger(Math.round(ms))) throw new ConfigError(variable, `"${text}" is too long`);
  return Math.round(ms);
}

/** Reads an optional ISO-8601 duration variable in ms (blank = unset). @throws ConfigError as {@link isoDurationMs}. */
export function durationEnv(env: NodeJS.ProcessEnv, variable: string): number | undefined {
  const raw = env[variable]?.trim();
  return raw ? isoDurationMs(variable, raw) : undefined;
}
