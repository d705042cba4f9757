import { intEnv } from '@ebook/subgraph-kit';
import { DEFAULT_POINTS_RULE, pointsRule, type PointsRule } from './domain/points';

/**
 * The points rule from `POINTS_PER_COMPLETED_RENTAL` (default 100), read once at start-up.
 * @throws Error naming the variable when it is not a whole number from 1 to 10 000: the service does not start.
 */
export function pointsRuleFromEnv(env: NodeJS.ProcessEnv = process.env): PointsRule {
  return pointsRule(intEnv('POINTS_PER_COMPLETED_RENTAL', DEFAULT_POINTS_RULE.pointsPerCompletedRental, env));
}
