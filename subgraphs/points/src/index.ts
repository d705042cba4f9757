import { loadSchemaFile, startContext, type ContextService, type ContextServiceOptions } from '@ebook/subgraph-kit';
import { createPointsDb } from './db';
import { loaders, resolvers, type PointsContext } from './resolvers';
import { pointsHandlers } from './handlers/on-rental-events';
import { pointsRuleFromEnv } from './config';
import type { PointsRule } from './domain/points';

export { DEFAULT_POINTS_RULE, MAX_POINTS_PER_RENTAL, POINTS_EVENTS, type PointsRule } from './domain/points';
export { pointsRuleFromEnv } from './config';

/** Consumer group of the points context (awards). */
export const POINTS_GROUP = 'points.awards';

/** The points context's own settings (the stack's `settings.points`). */
export interface PointsSettings {
  /** Points per completed rental (unset: `POINTS_PER_COMPLETED_RENTAL`, then 100). */
  rule?: PointsRule;
}

/** Settings of the points context: database `POINTS_DATABASE_URL`, port `PORT` (default 4007), and its own. */
export type PointsServiceOptions = ContextServiceOptions & PointsSettings;

/**
 * Starts the points context: one consumer (group `points.awards`: an award per completed rental —
 * returned or expired —, none for a cancel, once per rental) and the subgraph (`User.points`,
 * `pointsHistory`). It only reads events: nothing here touches a rental.
 * @throws Error when `POINTS_PER_COMPLETED_RENTAL` is not a whole number from 1 to 10 000 (and no `rule` is given).
 */
export async function startPointsService(opts: PointsServiceOptions): Promise<ContextService> {
  const rule = opts.rule ?? pointsRuleFromEnv();
  const db = createPointsDb(opts.databaseUrl, opts.dbPoolSize);
  return startContext<PointsContext>({
    name: 'points',
    platform: opts.platform,
    db,
    port: opts.port,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    consumers: [{ groupId: POINTS_GROUP, handlers: pointsHandlers(rule) }],
    context: (base) => ({ ...base, db, ...loaders(db) }),
  });
}
