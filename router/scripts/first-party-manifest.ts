import { fileURLToPath } from 'node:url';
import { generatePersistedQueryManifest, type PersistedQueryManifest } from '@apollo/generate-persisted-query-manifest';
import { REPO_ROOT } from '../src/subgraphs';

/** The first-party operations (one named operation or fragment per file): what our own clients send. */
const OPERATIONS_GLOB = fileURLToPath(new URL('router/operations/*.graphql', REPO_ROOT));

/**
 * The persisted-query manifest of the first-party operations (committed as
 * `FIRST_PARTY_MANIFEST_FILE`), built by Apollo's own generator
 * (`@apollo/generate-persisted-query-manifest`, the function its CLI calls): each operation is
 * printed as Apollo Client sends it (`__typename` added, its fragments appended) and its `id` is
 * the sha256 of that body — the hash Apollo Client's persisted-query link sends.
 * Exits the process (the generator's own behaviour) when a document does not parse, is
 * anonymous, or a name is used twice.
 */
export function generateFirstPartyManifest(): Promise<PersistedQueryManifest> {
  return generatePersistedQueryManifest({ documents: [OPERATIONS_GLOB] }, undefined);
}

/** The manifest as it is committed (2-space JSON, trailing newline). */
export function manifestText(manifest: PersistedQueryManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
