import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ParseOptions, ValidationRule } from 'graphql';
import type { GatewayHardening } from './config';

/** What {@link queryLimits} adds to the gateway's `ApolloServer` configuration. */
export interface QueryLimits {
  /** Depth, cost, alias and directive limits (graphql-armor validation rules). */
  validationRules: ValidationRule[];
  /** graphql-armor's field-suggestion masking, when introspection is off. */
  plugins: ApolloServerPlugin<BaseContext>[];
  /** graphql-js' own token limit: the parser stops at `maxTokens`. */
  parseOptions: ParseOptions;
}

/**
 * The per-operation limits of the gateway, from `@escape.tech/graphql-armor` (maintained,
 * built for Apollo Server): max depth, cost, aliases and directives as validation rules, so a
 * refusal is a `GRAPHQL_VALIDATION_FAILED` error with HTTP 400, raised before any subgraph
 * is called (Apollo re-codes armor's own code as it wraps every validation error). The token
 * limit is graphql-js' `parse(…, { maxTokens })` (armor's Apollo max-tokens plugin throws from
 * a hook, which Apollo answers with a 500): a refusal is `GRAPHQL_PARSE_FAILED`, HTTP 400.
 * Introspection (`__schema`) is not counted for depth and cost, so GraphiQL keeps working
 * where introspection is allowed. When `introspection` is false, field suggestions ("Did you
 * mean …") are masked too: they would leak the schema that introspection hides.
 */
export function queryLimits(limits: GatewayHardening, introspection: boolean): QueryLimits {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !introspection },
  });
  const { validationRules, plugins } = armor.protect();
  return { validationRules, plugins, parseOptions: { maxTokens: limits.maxTokens } };
}
