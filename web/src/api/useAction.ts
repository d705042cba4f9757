import { useState } from 'react';
import { apiErrorOf, type ApiError } from './errors';

/**
 * One user action at a time (rent, cancel, place a hold, …): `run(fn)` clears the last outcome,
 * awaits `fn` and keeps what it resolved to as `done`, or its failure as `error` ({@link ApiError}).
 */
export function useAction<T>() {
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<T>();
  const run = async (fn: () => Promise<T>): Promise<void> => {
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await fn());
    } catch (err) {
      setError(apiErrorOf(err));
    }
  };
  return { error, done, run };
}
