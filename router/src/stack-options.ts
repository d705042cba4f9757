/**
 * The settings of the in-process stack (`stack.ts`) that every context's `start` may read — a
 * module of its own, compiled with the gateway, because the registry (`contexts.ts`, compiled for
 * the migration Job too) names this type while the stack itself runs from sources only.
 */
import type { EventBus } from '@ebook/events';
import type { Logger } from '@ebook/subgraph-kit';
import type { LoginThrottleOptions } from '@ebook/user';
import type { LendingPolicy, PaymentPolicyOptions } from '@ebook/rental';
import type { PaymentProcessor } from '@ebook/payment';

/** The stack-wide settings a context's `start` may read (see the registry, `contexts.ts`). */
export interface StackBaseOptions {
  bus: EventBus;
  logger: Logger;
  /** JWT settings: `iss`, `aud`, access-token lifetime (s) and the signing key (file, or generated when absent). */
  jwt: { issuer: string; audience: string; ttlSeconds: number; privateKeyFile?: string };
  seedManager?: { email: string; password: string };
  seedCatalog?: boolean;
  paymentProcessor: PaymentProcessor;
  paymentPolicy?: Partial<PaymentPolicyOptions>;
  /** Lending rules of the rental context (loan period, cancel window, notice, limit); unset: its defaults. */
  lending?: Partial<LendingPolicy>;
  playground?: boolean;
  /** Login throttling of the user context (unset fields: `LOGIN_*` variables, then defaults). */
  loginThrottle?: Partial<LoginThrottleOptions>;
  /** Redirect URIs of the public web client `ebook-web` (authorization code + PKCE); default `DEFAULT_WEB_REDIRECT_URI` of the user context. */
  webRedirectUris?: string[];
}
