import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { securitySuite } from './security-suite';
import { assembleTarget, createSigningKey, SECURITY_THROTTLE, useTarget } from './security-target';
import { startTestStack, testDatabaseUrls, TEST_MANAGER } from './test-stack';

/**
 * The security suite (security-suite.ts) on the whole stack: real PostgreSQL + Kafka,
 * every context in this process, signing with a key this file owns, logins throttled by
 * {@link SECURITY_THROTTLE}, and a second gateway that trusts `X-Forwarded-For`.
 * The same suite runs against a real `pnpm dev` in dev-mode.e2e.spec.ts.
 */
const target = useTarget(async () => {
  const keyDir = mkdtempSync(path.join(tmpdir(), 'ebook-security-'));
  const signing = await createSigningKey(path.join(keyDir, 'jwt.json'), 'e2e-security-key');
  const stack = await startTestStack(undefined, undefined, { loginThrottle: SECURITY_THROTTLE, jwtPrivateKeyFile: path.join(keyDir, 'jwt.json') });
  return assembleTarget({
    gatewayUrl: stack.gatewayUrl,
    subgraphUrls: stack.subgraphUrls,
    databaseUrls: testDatabaseUrls(),
    signing,
    issuer: stack.trust.issuer,
    audience: stack.trust.audience,
    manager: TEST_MANAGER,
    stopSystem: async () => {
      await stack.stop();
      rmSync(keyDir, { recursive: true, force: true });
    },
  });
});

securitySuite(target);
