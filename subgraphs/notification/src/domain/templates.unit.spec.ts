import { describe, expect, it } from 'vitest';
import { formatDate, formatKrw, localeOf, renderMessage } from './templates';
import type { NotificationKind } from './notification';

const KINDS: NotificationKind[] = ['RENTED', 'RENEWED', 'CANCELED', 'REFUNDED', 'RETURNED', 'DUE_SOON', 'EXPIRED', 'PAYMENT_FAILED', 'HOLD_PLACED', 'HOLD_READY', 'HOLD_EXPIRED'];
const facts = { bookId: 'b', rentalId: 'r', dueAt: '2030-12-20T06:30:00.000Z', readyUntil: '2030-12-21T15:00:00.000Z', amount: 1500, position: 3, reason: 'PAYMENT_DECLINED' };

describe('message templates', () => {
  it('dates in the locale: ko in Asia/Seoul (UTC+9, the next day after 15:00 UTC), en in UTC; amounts in KRW', () => {
    expect(formatDate('2030-12-20T06:30:00.000Z', 'ko')).toBe('2030년 12월 20일 오후 3:30 GMT+9');
    expect(formatDate('2030-12-21T15:00:00.000Z', 'ko')).toBe('2030년 12월 22일 오전 12:00 GMT+9');
    expect(formatDate('2030-12-20T06:30:00.000Z', 'en')).toBe('December 20, 2030 at 6:30 AM UTC');
    expect(formatKrw(12000, 'ko')).toBe('₩12,000');
    expect(() => formatDate('not a date', 'ko')).toThrow(RangeError);
  });

  it('a locale never set or unknown is Korean', () => {
    expect([localeOf(undefined), localeOf(null), localeOf('fr'), localeOf('ko'), localeOf('en')]).toEqual(['ko', 'ko', 'ko', 'ko', 'en']);
  });

  it.each(KINDS)('%s: a Korean and an English message naming the book, greeting the customer', (kind) => {
    const ko = renderMessage(kind, facts, { customerName: '김독자', locale: 'ko', bookTitle: '운수 좋은 날' });
    const en = renderMessage(kind, facts, { customerName: 'Ann', locale: 'en', bookTitle: 'Emma' });
    expect(ko.body.startsWith('김독자님, 안녕하세요.\n')).toBe(true);
    expect(`${ko.subject}\n${ko.body}`).toContain('운수 좋은 날');
    expect(en.body.startsWith('Hello Ann,\n')).toBe(true);
    expect(`${en.subject}\n${en.body}`).toContain('Emma');
    expect(ko.subject).not.toMatch(/[A-Za-z]{3,}/); // no English left in a Korean subject
    expect(en.subject).not.toMatch(/[가-힣]/);
    expect(ko.subject).not.toContain('\n');
  });

  it('hold ready tells the deadline, or that the book is being rented for them (auto-rent)', () => {
    const ko = renderMessage('HOLD_READY', facts, { customerName: '김독자', locale: 'ko', bookTitle: '날개' });
    expect(ko.body).toContain('2030년 12월 22일 오전 12:00 GMT+9까지 대여하지 않으면 예약이 만료됩니다.');
    const en = renderMessage('HOLD_READY', { ...facts, autoRent: true }, { customerName: 'Ann', locale: 'en', bookTitle: 'Emma' });
    expect(en.body).toContain('we are renting it for you now');
    expect(en.body).not.toContain('Rent it by');
  });

  it('due dates, amounts and the refund of a renewal', () => {
    expect(renderMessage('RENTED', facts, { customerName: 'Ann', locale: 'en', bookTitle: 'Emma' }).body).toContain('Due: December 20, 2030 at 6:30 AM UTC\nCharged: ₩1,500');
    expect(renderMessage('DUE_SOON', facts, { customerName: '김', locale: 'ko', bookTitle: '날개' }).body).toContain('반납 기한은 2030년 12월 20일 오후 3:30 GMT+9입니다.');
    expect(renderMessage('REFUNDED', { ...facts, renewal: true }, { customerName: '김', locale: 'ko', bookTitle: '날개' }).body).toContain(
      '「날개」의 연장 요금 ₩1,500이(가) 환불되었습니다.',
    );
    expect(renderMessage('PAYMENT_FAILED', { ...facts, reason: 'PAYMENT_UNAVAILABLE' }, { customerName: 'Ann', locale: 'en', bookTitle: 'Emma' }).body).toContain(
      'could not reach the payment service',
    );
  });
});
