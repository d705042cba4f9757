/** The time of an application decision: a function returning "now"; tests pass a controllable one. */
export type Clock = () => Date;

/** The system clock: the time of decisions outside tests. */
export const systemClock: Clock = () => new Date();
