import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { breakingChanges, CHANGELOG_FILE, RELEASED_SUPERGRAPH_FILE, releasedChangelog, unrecorded } from '../scripts/schema-changes';
import { readSubgraphSdl, SUBGRAPHS, SUPERGRAPH_FILE } from '../src/subgraphs';

/** The supergraph with book-management's SDL changed by `edit` (which must change it). */
function supergraphWith(edit: (sdl: string) => string): string {
  const result = composeServices(
    SUBGRAPHS.map((s) => {
      const sdl = readSubgraphSdl(s);
      if (s.name !== 'book-management') return { name: s.name, url: s.routingUrl, typeDefs: parse(sdl) };
      const edited = edit(sdl);
      expect(edited).not.toBe(sdl);
      return { name: s.name, url: s.routingUrl, typeDefs: parse(edited) };
    }),
  );
  expect(result.errors ?? []).toEqual([]);
  return result.supergraphSdl!;
}

const changelog = (unreleased: string) => `# Changelog\n\n## Unreleased\n\n${unreleased}\n## 1.0.0 — 2026-11-29\n\nFirst release.\n`;

describe('API breaking-change check', () => {
  it('every breaking change since the released supergraph is recorded in CHANGELOG.md (## Unreleased)', async () => {
    const changes = await breakingChanges(readFileSync(RELEASED_SUPERGRAPH_FILE, 'utf8'), readFileSync(SUPERGRAPH_FILE, 'utf8'));
    const missing = unrecorded(changes, readFileSync(CHANGELOG_FILE, 'utf8'));
    // Record each under ## Unreleased by its coordinate in backticks, or revert the change.
    expect(missing.map((c) => `\`${c.path ?? c.message}\`: ${c.message}`)).toEqual([]);
  });

  it('reports a removed query field as breaking until the changelog records it', async () => {
    const current = supergraphWith((sdl) => sdl.replace(/^\s*book\(id: ID!\): Book\n/m, '\n'));
    const changes = await breakingChanges(readFileSync(SUPERGRAPH_FILE, 'utf8'), current);
    expect(changes.map((c) => c.path)).toEqual(['Query.book']);
    expect(unrecorded(changes, changelog(''))).toHaveLength(1);
    expect(unrecorded(changes, changelog('- `Query.book` removed: use `Query.books`.\n'))).toEqual([]);
    // Recorded under an earlier release does not count.
    expect(unrecorded(changes, `${changelog('')}- \`Query.book\` removed.\n`)).toHaveLength(1);
  });

  it('passes additive changes unrecorded', async () => {
    const current = supergraphWith((sdl) => sdl.replace(/^(\s*)book\(id: ID!\): Book\n/m, '$1book(id: ID!): Book\n$1bookCount: Int!\n'));
    expect(await breakingChanges(readFileSync(SUPERGRAPH_FILE, 'utf8'), current)).toEqual([]);
  });

  it('a release moves the Unreleased entries under the version', () => {
    const released = releasedChangelog(changelog('- `Query.book` removed.\n'), '1.1.0', '2026-12-01');
    expect(released).toBe('# Changelog\n\n## Unreleased\n\n## 1.1.0 — 2026-12-01\n\n- `Query.book` removed.\n\n## 1.0.0 — 2026-11-29\n\nFirst release.\n');
    expect(releasedChangelog(released, '1.1.1', '2026-12-02')).toContain('## Unreleased\n\n## 1.1.1 — 2026-12-02\n\n_No change of the API._\n\n## 1.1.0');
  });
});
