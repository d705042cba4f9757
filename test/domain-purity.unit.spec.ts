import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Domain code is pure: every `subgraphs/<context>/src/domain/**\/*.ts` (tests, `*.spec.ts`,
 * excluded) may import only what does no I/O and knows no transport. The rules:
 *
 * - Never, not even as types: a database (`@prisma/*`, a `generated/prisma` client, `pg`),
 *   GraphQL or HTTP (`graphql`, `@apollo/*`, `@as-integrations/*`, `express`), tokens (`jose`,
 *   `openid-client`), logging (`pino`), the broker (`kafkajs`), node's I/O modules, and the
 *   kit's root `@ebook/subgraph-kit` (it loads GraphQL, Express and pg). The kit's GraphQL-free
 *   modules are allowed: `@ebook/subgraph-kit/domain-error`, `@ebook/subgraph-kit/text`.
 * - `@ebook/events` only as `import type` / `export type` (the event contract types a decision
 *   returns); its runtime loads kafkajs and pino.
 * - A relative import must stay inside the same `domain/` folder (not `../db`, `../application`).
 * - Anything else (e.g. `zod`) is allowed.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Module specifiers refused in domain code, whatever the import form. */
const FORBIDDEN: { test: (spec: string) => boolean; why: string }[] = [
  { test: (s) => s.startsWith('@prisma/'), why: 'database client' },
  { test: (s) => /(^|\/)generated\/prisma(\/|$)/.test(s), why: 'generated Prisma client' },
  { test: (s) => s === 'pg' || s.startsWith('pg/'), why: 'database driver' },
  { test: (s) => s === 'graphql' || s.startsWith('graphql/'), why: 'GraphQL' },
  { test: (s) => s.startsWith('@apollo/') || s.startsWith('@as-integrations/'), why: 'GraphQL server' },
  { test: (s) => s === 'express' || s.startsWith('express/'), why: 'HTTP server' },
  { test: (s) => s === 'jose' || s === 'openid-client', why: 'tokens' },
  { test: (s) => s === 'pino' || s.startsWith('pino/'), why: 'logging' },
  { test: (s) => s === 'kafkajs', why: 'broker' },
  { test: (s) => s === '@ebook/subgraph-kit', why: 'kit root loads GraphQL, Express and pg; use @ebook/subgraph-kit/domain-error or /text' },
  {
    test: (s) => /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|cluster)$/.test(s),
    why: 'node I/O',
  },
];

/** Modules domain code may import for types only. */
const TYPES_ONLY = new Set(['@ebook/events']);

/** One import (or re-export) of a source file: its specifier and whether it is erased at runtime. */
interface ImportRef {
  spec: string;
  typeOnly: boolean;
}

/** Every static import, re-export, dynamic `import()` and `require()` of `source`. */
function importsOf(fileName: string, source: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const namedAllTypes =
        !!clause &&
        !clause.name &&
        !!clause.namedBindings &&
        ts.isNamedImports(clause.namedBindings) &&
        clause.namedBindings.elements.length > 0 &&
        clause.namedBindings.elements.every((e) => e.isTypeOnly);
      refs.push({ spec: node.moduleSpecifier.text, typeOnly: !!clause && (clause.isTypeOnly || namedAllTypes) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const namedAllTypes = !!node.exportClause && ts.isNamedExports(node.exportClause) && node.exportClause.elements.every((e) => e.isTypeOnly);
      refs.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || namedAllTypes });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      refs.push({ spec: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteral(node.arguments[0]!)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isDynamicImport || isRequire) refs.push({ spec: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      refs.push({ spec: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/**
 * The purity violations of one domain source file, as `<spec>: <why>` lines (empty when pure).
 * `fileName` is the file's path; relative imports must resolve inside `domainDir`.
 */
export function domainImportViolations(fileName: string, source: string, domainDir = path.dirname(fileName)): string[] {
  const problems: string[] = [];
  for (const { spec, typeOnly } of importsOf(fileName, source)) {
    const forbidden = FORBIDDEN.find((f) => f.test(spec));
    if (forbidden) problems.push(`${spec}: ${forbidden.why}`);
    else if (TYPES_ONLY.has(spec) && !typeOnly) problems.push(`${spec}: runtime import (use \`import type\`)`);
    else if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(fileName), spec);
      if (target !== domainDir && !target.startsWith(domainDir + path.sep)) problems.push(`${spec}: leaves the domain folder`);
    }
  }
  return problems;
}

/** Every non-test `.ts` file under `dir`, recursively. */
function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

const domainDirs = readdirSync(path.join(ROOT, 'subgraphs'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => path.join(ROOT, 'subgraphs', e.name, 'src', 'domain'))
  .filter((d) => {
    try {
      return readdirSync(d).length > 0;
    } catch {
      return false;
    }
  });

describe('domain purity', () => {
  it('finds the domain folders of the contexts that have one', () => {
    const names = domainDirs.map((d) => path.relative(ROOT, d));
    expect(names).toEqual(expect.arrayContaining(['subgraphs/rental/src/domain', 'subgraphs/payment/src/domain']));
  });

  describe.each(domainDirs.map((d) => [path.relative(ROOT, d), d] as const))('%s', (_name, dir) => {
    it.each(sourcesUnder(dir).map((f) => [path.relative(dir, f), f] as const))('%s imports nothing that does I/O or knows a transport', (_file, file) => {
      expect(domainImportViolations(file, readFileSync(file, 'utf8'), dir)).toEqual([]);
    });
  });
});

describe('domainImportViolations (the guard itself)', () => {
  const dir = '/repo/subgraphs/rental/src/domain';
  const file = `${dir}/rental.ts`;
  const violations = (source: string) => domainImportViolations(file, source, dir);

  it.each([
    "import { PrismaClient } from '@prisma/client';",
    "import type { Rental } from '../generated/prisma/client';",
    "import { GraphQLError } from 'graphql';",
    "import type { GraphQLResolverMap } from '@apollo/subgraph';",
    "import express from 'express';",
    "import { Pool } from 'pg';",
    "import { jwtVerify } from 'jose';",
    "import pino from 'pino';",
    "import { Kafka } from 'kafkajs';",
    "import { DomainError } from '@ebook/subgraph-kit';",
    "import { appendToOutbox } from '@ebook/events';",
    "import { BookRented, type DomainEvent } from '@ebook/events';",
    "export { BookRented } from '@ebook/events';",
    "import { readFileSync } from 'node:fs';",
    "import type { RentalDb } from '../db';",
    "import { rentBook } from '../application/rent-book';",
    "const pg = await import('pg');",
    "const k = require('kafkajs');",
    "type T = import('@prisma/client').Rental;",
  ])('refuses %s', (source) => {
    expect(violations(source)).toHaveLength(1);
  });

  it.each([
    "import type { DomainEvent } from '@ebook/events';",
    "import { type DomainEvent, type EventData } from '@ebook/events';",
    "export type { DomainEvent } from '@ebook/events';",
    "import { DomainError } from '@ebook/subgraph-kit/domain-error';",
    "import { noControlChars } from '@ebook/subgraph-kit/text';",
    "import { z } from 'zod';",
    "import { RentalErrors } from './errors';",
    "import { x } from './rules/fees';",
    "// import { PrismaClient } from '@prisma/client';",
    'const text = "import pg from \'pg\'";',
  ])('allows %s', (source) => {
    expect(violations(source)).toEqual([]);
  });
});
