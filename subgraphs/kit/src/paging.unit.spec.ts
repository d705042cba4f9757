import { describe, expect, it } from 'vitest';
import { pageSize } from './paging';

describe('pageSize (a list field’s first)', () => {
  it('takes 1–100, the fallback when absent, and refuses anything else with BAD_USER_INPUT', () => {
    expect([pageSize(1), pageSize(100), pageSize(undefined), pageSize(null), pageSize(null, 5)]).toEqual([1, 100, 20, 20, 5]);
    for (const bad of [0, -1, 101, 2.5, Number.NaN]) {
      expect(() => pageSize(bad), String(bad)).toThrow(
        expect.objectContaining({ message: 'first must be between 1 and 100', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      );
    }
  });
});
