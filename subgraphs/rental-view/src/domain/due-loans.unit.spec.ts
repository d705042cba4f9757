import { describe, expect, it } from 'vitest';
import { DueWindowError, dueWindow, MAX_DUE_PAGE, MAX_DUE_WITHIN_HOURS } from './due-loans';

const now = new Date('2026-12-04T12:00:00.000Z');

describe('dueWindow', () => {
  it('lists loans due before now + 48 h, 100 at a time, by default', () => {
    expect(dueWindow(now)).toEqual({ dueBefore: new Date('2026-12-06T12:00:00.000Z'), take: 100 });
  });

  it('a window of 0 h lists the overdue loans only', () => {
    expect(dueWindow(now, 0, 5)).toEqual({ dueBefore: now, take: 5 });
  });

  it.each([
    [-1, 10],
    [MAX_DUE_WITHIN_HOURS + 1, 10],
    [1.5, 10],
    [24, 0],
    [24, MAX_DUE_PAGE + 1],
  ])('refuses withinHours %s, first %s', (withinHours, first) => {
    expect(() => dueWindow(now, withinHours, first)).toThrow(DueWindowError);
  });
});
