/**
 * `pnpm schema:release <version>`: releases the current API. Refuses while a breaking change
 * since the last release is not recorded in CHANGELOG.md's Unreleased section; otherwise writes
 * router/supergraph.graphql to router/supergraph.released.graphql and moves the Unreleased
 * entries under `## <version> — <today>`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SUPERGRAPH_FILE } from '../src/subgraphs';
import { breakingChanges, CHANGELOG_FILE, RELEASED_SUPERGRAPH_FILE, releasedChangelog, unrecorded } from './schema-changes';

const version = process.argv[2];
if (!version) {
  console.error('usage: pnpm schema:release <version>');
  process.exit(2);
}
const current = readFileSync(SUPERGRAPH_FILE, 'utf8');
const changelog = readFileSync(CHANGELOG_FILE, 'utf8');
const missing = unrecorded(await breakingChanges(readFileSync(RELEASED_SUPERGRAPH_FILE, 'utf8'), current), changelog);
if (missing.length > 0) {
  console.error(`breaking changes not recorded in CHANGELOG.md (## Unreleased):\n${missing.map((c) => `- \`${c.path ?? c.message}\`: ${c.message}`).join('\n')}`);
  process.exit(1);
}
writeFileSync(RELEASED_SUPERGRAPH_FILE, current);
writeFileSync(CHANGELOG_FILE, releasedChangelog(changelog, version, new Date().toISOString().slice(0, 10)));
console.log(`released API ${version}: router/supergraph.released.graphql and CHANGELOG.md updated`);
