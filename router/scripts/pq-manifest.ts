/**
 * Build step: writes router/persisted-query-manifest.json, the persisted-query manifest of the
 * first-party operations in router/operations/ (the safelist of `GATEWAY_PERSISTED_QUERIES=safelist`).
 * `--check`: fails (exit 1) when the committed file is stale.
 */
import { FIRST_PARTY_MANIFEST_FILE } from '../src/hardening';
import { generateFirstPartyManifest, manifestText } from './first-party-manifest';
import { writeOrCheck } from './generated-file';

writeOrCheck(FIRST_PARTY_MANIFEST_FILE, manifestText(await generateFirstPartyManifest()), 'pnpm pq:manifest');
