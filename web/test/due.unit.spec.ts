import { describe, expect, it } from 'vitest';
import { DUE_SOON_MS, dueState } from '../src/pages/manager/due';

describe("a manager's due-date flags", () => {
  const now = Date.parse('2026-12-04T00:00:00Z');
  const due = (ms: number) => new Date(now + ms).toISOString();

  it('flags a RENTED loan past its due date as overdue, and one due within 2 days as due soon', () => {
    expect(dueState({ status: 'RENTED', dueAt: due(-1) }, now)).toBe('overdue');
    expect(dueState({ status: 'RENTED', dueAt: due(DUE_SOON_MS) }, now)).toBe('dueSoon');
    expect(dueState({ status: 'RENTED', dueAt: due(DUE_SOON_MS + 1) }, now)).toBeUndefined();
  });

  it('never flags a loan that is not RENTED or has no due date yet', () => {
    expect(dueState({ status: 'RETURNED', dueAt: due(-1) }, now)).toBeUndefined();
    expect(dueState({ status: 'EXPIRED', dueAt: due(-1) }, now)).toBeUndefined();
    expect(dueState({ status: 'PENDING_PAYMENT', dueAt: null }, now)).toBeUndefined();
  });
});
