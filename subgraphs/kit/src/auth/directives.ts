import { defaultFieldResolver, Kind, type DirectiveNode, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { requireAuth, type BaseContext } from '../context';
import { appError } from '../errors';

interface FieldRule {
  authenticated: boolean;
  /** OR of AND-lists: `@requiresScope(anyOf: [[...]])`. */
  scopes: string[][] | null;
}

function ruleOf(directives: readonly DirectiveNode[] | undefined): FieldRule {
  const rule: FieldRule = { authenticated: false, scopes: null };
  for (const d of directives ?? []) {
    if (d.name.value === 'requiresAuth') rule.authenticated = true;
    if (d.name.value === 'requiresScope') {
      const arg = d.arguments?.find((a) => a.name.value === 'anyOf');
      if (arg?.value.kind === Kind.LIST) {
        rule.scopes = arg.value.values.map((inner) => (inner.kind === Kind.LIST ? inner.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : []));
      }
    }
  }
  return rule;
}

/**
 * Enforces the authorization declared in a subgraph's SDL with our field directives
 * `@requiresAuth` and `@requiresScope(anyOf: [[...]])` — the one shared place every subgraph
 * uses. (Federation's own `@authenticated` / `@requiresScopes` compose into SECURITY features
 * that `@apollo/gateway` refuses to load — "is for: SECURITY but is unsupported" — and only
 * GraphOS Router enforces them; subgraph-local directives are not composed, so the gateway is
 * unaffected, and subgraphs trust no caller anyway.) Wraps each annotated
 * field's resolver: no token → `UNAUTHENTICATED`; a token whose scopes satisfy none of the
 * AND-lists → `FORBIDDEN`. Ownership (a customer's own rentals) stays in the resolvers, which
 * know the data. Mutates and returns `schema`.
 */
export function enforceAuthDirectives<TContext extends BaseContext>(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    // By tag, not `isObjectType`: under vitest two copies of graphql may be loaded (ESM and CJS),
    // and graphql's instanceof checks throw across them.
    if (Object.prototype.toString.call(type) !== '[object GraphQLObjectType]' || type.name.startsWith('__')) continue;
    for (const field of Object.values((type as GraphQLObjectType).getFields())) {
      const rule = ruleOf(field.astNode?.directives);
      if (!rule.authenticated && !rule.scopes) continue;
      const resolve: GraphQLFieldResolver<unknown, TContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source: unknown, args: Record<string, unknown>, ctx: TContext, info) => {
        const caller = requireAuth(ctx);
        if (rule.scopes) {
          // Users hold the scope of their role, service clients their granted scopes (AuthUser.scopes).
          const held = new Set(caller.scopes);
          if (!rule.scopes.some((all) => all.every((s) => held.has(s)))) {
            throw appError('FORBIDDEN', `Not allowed: ${type.name}.${field.name} needs ${rule.scopes.map((all) => all.join(' + ')).join(' or ')}`);
          }
        }
        return resolve(source, args, ctx, info);
      };
    }
  }
  return schema;
}
