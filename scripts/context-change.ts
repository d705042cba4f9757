/**
 * The diff rule of "Adding a context" (README): the change that adds a context touches only
 *
 * - `subgraphs/<name>/` and `prisma/<name>/` — the context's own folders;
 * - `contexts.ts` — only added lines, making up one registration entry `context({ name: '<name>', … })`;
 * - `router/supergraph.graphql` — composed from the subgraphs (`pnpm compose`); the released
 *   snapshot `router/supergraph.released.graphql` and `CHANGELOG.md` only when the schema check asks;
 * - `package.json` (the root one) — only the added line `"@ebook/<name>": "workspace:*"`: the registry
 *   starts the context by its package name;
 * - `pnpm-lock.yaml` — only added lines (the new workspace package's entry, written by `pnpm install`);
 * - `k8s/` — its Deployment/Service and the shared configuration (database, URL, migration Job);
 * - `README.md`.
 *
 * Anything else means some list outside the context still has to be edited by hand: derive it from
 * the registry instead, in a change of its own.
 *
 *   pnpm exec tsx scripts/context-change.ts <name> <commit>   # checks <commit>^..<commit>, exit 1 on a violation
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What a change did to one file: its path and its added / removed lines (without the +/- mark). */
export interface FileChange {
  file: string;
  added: string[];
  removed: string[];
}

/** One file of a context-adding change, judged. `reason`: why it may change, or why it may not. */
export interface Verdict {
  file: string;
  allowed: boolean;
  reason: string;
}

/** Files a context-adding change may touch (besides its own folders, `contexts.ts` and the lockfile). */
const SHARED: { test: (file: string) => boolean; reason: string }[] = [
  { test: (f) => f === 'router/supergraph.graphql', reason: 'composed supergraph (pnpm compose)' },
  { test: (f) => f === 'router/supergraph.released.graphql' || f === 'CHANGELOG.md', reason: 'API snapshot / changelog, when the schema check asks' },
  { test: (f) => f.startsWith('k8s/'), reason: 'Kubernetes manifests and configuration' },
  { test: (f) => f === 'README.md', reason: 'documentation' },
];

/**
 * Judges each file a change adding the context `name` touched.
 * @param name the added context (`points`).
 * @param changes every touched file with its added and removed lines.
 * @returns one verdict per file, in input order.
 */
export function classifyContextChange(name: string, changes: FileChange[]): Verdict[] {
  return changes.map(({ file, added, removed }) => {
    const verdict = (allowed: boolean, reason: string): Verdict => ({ file, allowed, reason });
    if (file.startsWith(`subgraphs/${name}/`)) return verdict(true, "the context's subgraph");
    if (file.startsWith(`prisma/${name}/`)) return verdict(true, "the context's Prisma schema and migrations");
    if (file === 'contexts.ts') {
      const entries = added.join('\n').match(/\bcontext\(\{/g)?.length ?? 0;
      // The entry as Prettier writes it: on one line, or `context({` with `name: '…'` on the next line.
      const ok = removed.length === 0 && entries === 1 && new RegExp(String.raw`\bcontext\(\{\s*name: '${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`).test(added.join('\n'));
      return verdict(
        ok,
        ok ? 'one registration entry' : `contexts.ts may only gain the one entry context({ name: '${name}', … }) (added ${entries} entries, removed ${removed.length} lines)`,
      );
    }
    if (file === 'package.json') {
      const ok = removed.length === 0 && added.length === 1 && added[0]!.trim().replace(/,$/, '') === `"@ebook/${name}": "workspace:*"`;
      return verdict(
        ok,
        ok
          ? "the context's package as a workspace dependency"
          : `the root package.json may only gain "@ebook/${name}": "workspace:*" (added ${added.length}, removed ${removed.length} lines)`,
      );
    }
    if (file === 'pnpm-lock.yaml') {
      return removed.length === 0
        ? verdict(true, "the new package's lockfile entry (pnpm install)")
        : verdict(false, `the lockfile may only gain the new package's entry (${removed.length} lines removed)`);
    }
    const shared = SHARED.find((s) => s.test(file));
    return shared ? verdict(true, shared.reason) : verdict(false, 'outside the context: a hand-kept list? derive it from the registry in a change of its own');
  });
}

/**
 * The files of one commit against its first parent, with their added and removed lines.
 * @throws Error when git cannot show the commit (not a git checkout, or history too shallow).
 */
export function commitChanges(commit: string, cwd = ROOT): FileChange[] {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return git('diff', '--name-only', '--no-renames', `${commit}^`, commit)
    .split('\n')
    .filter(Boolean)
    .map((file) => {
      const lines = git('diff', '--no-renames', '--unified=0', `${commit}^`, commit, '--', file).split('\n');
      const body = lines.filter((l) => !l.startsWith('+++') && !l.startsWith('---'));
      return { file, added: body.filter((l) => l.startsWith('+')).map((l) => l.slice(1)), removed: body.filter((l) => l.startsWith('-')).map((l) => l.slice(1)) };
    });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [name, commit] = process.argv.slice(2);
  if (!name || !commit) {
    console.error('usage: tsx scripts/context-change.ts <context> <commit>');
    process.exit(2);
  }
  const verdicts = classifyContextChange(name, commitChanges(commit));
  for (const v of verdicts) console.log(`${v.allowed ? 'ok     ' : 'OUTSIDE'} ${v.file} — ${v.reason}`);
  process.exit(verdicts.every((v) => v.allowed) ? 0 : 1);
}
