/**
 * Node module-resolution hook for bench/siege.ts (registered with `module.register`).
 *
 * test/fault/actors.ts → router/test/graphql-client.ts imports named exports from
 * `@apollo/client/core`. Under vitest (Vite resolution) that is the ESM build; under plain Node
 * + tsx it resolves to the CommonJS `core.cjs`, whose named exports Node cannot detect
 * ("does not provide an export named 'HttpLink'"). This points the bare specifier at the ESM
 * entry (`core/index.js`) so the fault harness's Actors can be reused outside vitest.
 */
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier === '@apollo/client/core' ? '@apollo/client/core/index.js' : specifier, context);
}
