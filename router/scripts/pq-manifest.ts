/**
 * Build step: writes router/persisted-query-manifest.json, the persisted-query manifest of the
 * first-party operations in router/operations/ (the safelist of `GATEWAY_PERSISTED_QUERIES=safelist`).
 * `--check`: fails (exit 1) when the committed file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIRST_PARTY_MANIFEST_FILE, generateFirstPartyManifest, manifestText } from './first-party-manifest';

const file = fileURLToPath(FIRST_PARTY_MANIFEST_FILE);
const text = manifestText(await generateFirstPartyManifest());
if (process.argv.includes('--check')) {
  if ((existsSync(file) ? readFileSync(file, 'utf8') : '') !== text) {
    console.error('router/persisted-query-manifest.json is stale: run `pnpm pq:manifest` and commit it');
    process.exit(1);
  }
  console.log('router/persisted-query-manifest.json is up to date');
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
