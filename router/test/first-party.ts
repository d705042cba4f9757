import { FIRST_PARTY_MANIFEST_FILE, loadPersistedQueryManifest } from '../src/hardening';

const manifest = loadPersistedQueryManifest(FIRST_PARTY_MANIFEST_FILE);

/**
 * The text of a first-party operation (router/operations/<name>.graphql, as the committed
 * persisted-query manifest holds it, fragments included), for tests that act as our own clients.
 * @throws Error when the manifest has no operation of that name.
 */
export function firstParty(name: string): string {
  const op = manifest.operations.find((o) => o.name === name);
  if (!op) throw new Error(`no operation ${name} in the manifest`);
  return op.body;
}
