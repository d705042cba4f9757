/**
 * Accounts for tests, through the gateway with the first-party operations (`Login`,
 * `RegisterCustomer`): the one place tests register a customer and sign people in.
 */
import { randomUUID } from 'node:crypto';
import type { GatewayClient } from './graphql-client';
import { operation } from './operations';

/** A signed-in test account. */
export interface SignedIn {
  id: string;
  email: string;
  /** Access token (`Authorization: Bearer …`). */
  token: string;
}

/** The password every {@link signUp} account gets. */
export const TEST_PASSWORD = 'a-long-password';

/**
 * Registers a customer with a fresh e-mail (`<name>.<random>@example.com`) and signs them in.
 * @param opts `name` (default `customer`), `locale` (`ko` | `en`; unset: the server's default).
 * @throws the GraphQL error of either operation.
 */
export async function signUp(api: GatewayClient, opts: { name?: string; locale?: string } = {}): Promise<SignedIn> {
  const name = opts.name ?? 'customer';
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${randomUUID().slice(0, 8)}@example.com`;
  const { registerCustomer } = await api.run(operation('RegisterCustomer'), {
    input: { name, email, phone: '010-5555-0000', password: TEST_PASSWORD, ...(opts.locale ? { locale: opts.locale } : {}) },
  });
  return { id: registerCustomer.id as string, email, token: await signIn(api, email, TEST_PASSWORD) };
}

/** Signs in with `Login`. @returns the access token. @throws the GraphQL error (e.g. INVALID_CREDENTIALS). */
export async function signIn(api: GatewayClient, email: string, password: string): Promise<string> {
  return (await api.run(operation('Login'), { email, password })).login.accessToken as string;
}
