import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CONTEXTS } from '../contexts';
import { classifyContextChange, commitChanges, type FileChange } from '../scripts/context-change';

const root = new URL('../', import.meta.url).pathname;
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const file = (path: string, added: string[] = ['x'], removed: string[] = []): FileChange => ({ file: path, added, removed });
const outside = (name: string, changes: FileChange[]) =>
  classifyContextChange(name, changes)
    .filter((v) => !v.allowed)
    .map((v) => v.file);

describe('the diff rule of adding a context (scripts/context-change.ts)', () => {
  it("allows the context's folders, one registration entry, the composed supergraph, k8s, README and an additive lockfile", () => {
    const changes = [
      file('subgraphs/loans/src/index.ts'),
      file('subgraphs/loans/schema.graphql'),
      file('prisma/loans/migrations/20270101000000_init/migration.sql'),
      file('contexts.ts', ["  context({ name: 'loans', port: 4010, stage: 3, mappers: {}, start: async () => null as never }),"]),
      file('router/supergraph.graphql', ['type Loan'], ['join__Graph']),
      file('k8s/base/loans.yaml'),
      file('k8s/base/configmap.yaml'),
      file('README.md', ['| loans |'], ['| old |']),
      file('pnpm-lock.yaml', ['  subgraphs/loans:', '    dependencies:']),
      file('package.json', ['    "@ebook/loans": "workspace:*",']),
    ];
    expect(outside('loans', changes)).toEqual([]);
    // An entry too long for one line, as Prettier breaks it.
    const multiLine = ['  context({', "    name: 'loans',", '    port: 4010,', '    start: async () => null as never,', '  }),'];
    expect(outside('loans', [file('contexts.ts', multiLine)])).toEqual([]);
    expect(outside('loans', [file('contexts.ts', ['  context({', "    name: 'loans-extra',", '  }),'])])).toEqual(['contexts.ts']);
  });

  it('refuses anything else: another context, a look-alike folder, a hand-kept list, a second or edited registry entry, lockfile removals', () => {
    expect(
      outside('loans', [
        file('subgraphs/rental/src/resolvers.ts'),
        file('subgraphs/loans-extra/package.json'),
        file('prisma/loansx/schema.prisma'),
        file('tsconfig.build.json'),
        file('router/src/stack.ts'),
        file('router/operations/MyLoans.graphql'),
        file('contexts.ts', ["  context({ name: 'loans', port: 4010 }),"], ["  context({ name: 'rental', port: 4003 }),"]),
        file('pnpm-lock.yaml', ['  subgraphs/loans:'], ['      version: 1.0.0']),
      ]),
    ).toEqual([
      'subgraphs/rental/src/resolvers.ts',
      'subgraphs/loans-extra/package.json',
      'prisma/loansx/schema.prisma',
      'tsconfig.build.json',
      'router/src/stack.ts',
      'router/operations/MyLoans.graphql',
      'contexts.ts',
      'pnpm-lock.yaml',
    ]);
    expect(outside('loans', [file('contexts.ts', ["  context({ name: 'loans' }),", "  context({ name: 'more' }),"])])).toEqual(['contexts.ts']);
    expect(outside('loans', [file('contexts.ts', ["  context({ name: 'other' }),"])])).toEqual(['contexts.ts']);
    expect(outside('loans', [file('package.json', ['    "left-pad": "1.3.0",'])])).toEqual(['package.json']);
    expect(outside('loans', [file('package.json', ['    "@ebook/loans": "workspace:*",', '    "left-pad": "1.3.0",'])])).toEqual(['package.json']);
  });

  it('every context added after this rule existed was added by a commit that obeys it (git history)', () => {
    const since = git('log', '--diff-filter=A', '--format=%H', '--', 'scripts/context-change.ts').split('\n').filter(Boolean).at(-1);
    expect(since, 'the commit that introduced scripts/context-change.ts').toBeTruthy();
    for (const context of CONTEXTS) {
      const added = git('log', '--diff-filter=A', '--format=%H', '--', `subgraphs/${context}/package.json`).split('\n').filter(Boolean).at(-1);
      if (!added || added === since) continue; // not committed yet, or added together with the rule
      try {
        git('merge-base', '--is-ancestor', since!, added);
      } catch {
        continue; // added before the rule
      }
      expect(outside(context, commitChanges(added)), `${context}, added by ${added.slice(0, 10)}`).toEqual([]);
    }
  });
});
