/**
 * Changes of the public GraphQL API between the last released supergraph
 * (router/supergraph.released.graphql) and the current one (router/supergraph.graphql), and
 * whether CHANGELOG.md records the breaking ones. Compares API schemas (what clients see: no
 * federation directives or join types), diffed by @graphql-inspector/core.
 */
import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { REPO_ROOT } from '../src/subgraphs';

/** The supergraph of the last release (`pnpm schema:release` writes it). */
export const RELEASED_SUPERGRAPH_FILE = new URL('router/supergraph.released.graphql', REPO_ROOT);

/** The changelog whose `## Unreleased` section records the breaking changes of the next release. */
export const CHANGELOG_FILE = new URL('CHANGELOG.md', REPO_ROOT);

const UNRELEASED = '## Unreleased';

/** The API schema clients see through the gateway, from a supergraph SDL. */
function apiSchema(supergraphSdl: string) {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/** The breaking changes of the API from the `released` supergraph SDL to the `current` one. */
export async function breakingChanges(released: string, current: string): Promise<Change[]> {
  const changes = await diff(apiSchema(released), apiSchema(current));
  return changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
}

/** The text of the changelog's `## Unreleased` section (up to the next `## ` heading). @throws when it has none. */
export function unreleasedSection(changelog: string): string {
  const start = changelog.indexOf(`\n${UNRELEASED}\n`);
  if (start < 0) throw new Error(`CHANGELOG.md has no "${UNRELEASED}" section`);
  const body = changelog.slice(start + UNRELEASED.length + 2);
  const end = body.search(/^## /m);
  return end < 0 ? body : body.slice(0, end);
}

/**
 * The breaking changes the changelog's Unreleased section does not record. A change is recorded
 * when the section names its schema coordinate in backticks (e.g. `` `Query.book` ``, or the
 * type for a change without one).
 */
export function unrecorded(changes: Change[], changelog: string): Change[] {
  const section = unreleasedSection(changelog);
  return changes.filter((c) => !section.includes(`\`${c.path ?? c.message}\``));
}

/**
 * The changelog of a release: the Unreleased section's entries move under `## <version> — <date>`,
 * and an empty Unreleased section starts above it.
 */
export function releasedChangelog(changelog: string, version: string, date: string): string {
  const section = unreleasedSection(changelog);
  const at = changelog.indexOf(`\n${UNRELEASED}\n`) + 1;
  const rest = changelog.slice(at + UNRELEASED.length + 1 + section.length);
  const entries = section.trim() === '' ? '_No change of the API._\n\n' : `${section.trim()}\n\n`;
  return `${changelog.slice(0, at)}${UNRELEASED}\n\n## ${version} — ${date}\n\n${entries}${rest}`;
}
