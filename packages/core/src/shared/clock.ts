/** The current time; tests and the worker may pass their own. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
