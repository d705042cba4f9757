import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, MAX_RENTAL_FEE_KRW, NewBookSchema, searchTermProblem, type NewBook } from './book';

const valid: NewBook = { title: 'Dune', author: 'Frank Herbert', publishedYear: 1965, rentalFee: 1500, licensedCopies: 3 };

/** The messages of the issues of a rejected input (fails when it is accepted). */
function rejectionOf(input: unknown): { path: PropertyKey[]; message: string }[] {
  const result = NewBookSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path, message: i.message }));
}

describe('NewBookSchema', () => {
  it('accepts a valid book unchanged', () => {
    expect(NewBookSchema.parse(valid)).toEqual(valid);
  });

  it('accepts the bounds: a free book, the maximum fee, one copy, this year', () => {
    const thisYear = new Date().getUTCFullYear();
    expect(NewBookSchema.safeParse({ ...valid, rentalFee: 0 }).success).toBe(true);
    expect(NewBookSchema.safeParse({ ...valid, rentalFee: MAX_RENTAL_FEE_KRW }).success).toBe(true);
    expect(NewBookSchema.safeParse({ ...valid, licensedCopies: 1 }).success).toBe(true);
    expect(NewBookSchema.safeParse({ ...valid, publishedYear: thisYear }).success).toBe(true);
  });

  it('trims title and author', () => {
    const parsed = NewBookSchema.parse({ ...valid, title: '  Dune \n', author: '\tFrank Herbert ' });
    expect(parsed.title).toBe('Dune');
    expect(parsed.author).toBe('Frank Herbert');
  });

  it.each(['', '   '])('rejects an empty title (%j)', (title) => {
    expect(rejectionOf({ ...valid, title })).toEqual([{ path: ['title'], message: 'title is required' }]);
  });

  it('rejects an empty author', () => {
    expect(rejectionOf({ ...valid, author: ' ' })).toEqual([{ path: ['author'], message: 'author is required' }]);
  });

  it('rejects a negative fee', () => {
    expect(rejectionOf({ ...valid, rentalFee: -1 })).toEqual([{ path: ['rentalFee'], message: 'rentalFee cannot be negative' }]);
  });

  it('rejects a fee above MAX_RENTAL_FEE_KRW', () => {
    const issues = rejectionOf({ ...valid, rentalFee: MAX_RENTAL_FEE_KRW + 1 });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toEqual(['rentalFee']);
    expect(issues[0]!.message).toContain(String(MAX_RENTAL_FEE_KRW));
  });

  it('rejects a non-integer fee (KRW has no fractions)', () => {
    expect(rejectionOf({ ...valid, rentalFee: 1500.5 }).map((i) => i.path)).toEqual([['rentalFee']]);
  });

  it('rejects 0 licensed copies', () => {
    expect(rejectionOf({ ...valid, licensedCopies: 0 })).toEqual([{ path: ['licensedCopies'], message: 'licensedCopies must be at least 1' }]);
  });

  it('rejects a publication year in the future', () => {
    const nextYear = new Date().getUTCFullYear() + 1;
    expect(rejectionOf({ ...valid, publishedYear: nextYear })).toEqual([{ path: ['publishedYear'], message: 'publishedYear cannot be in the future' }]);
  });

  it('rejects a missing field and a fee sent as a string', () => {
    const { licensedCopies: _omit, ...withoutCopies } = valid;
    expect(rejectionOf(withoutCopies).map((i) => i.path)).toEqual([['licensedCopies']]);
    expect(rejectionOf({ ...valid, rentalFee: '1500' }).map((i) => i.path)).toEqual([['rentalFee']]);
  });
});

describe('NewBookSchema: control characters (input hygiene)', () => {
  it.each([
    ['NUL', '\u0000'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
    ['a newline', '\n'],
    ['a tab', '\t'],
  ])('refuses %s inside the title and the author, with the reason', (_what, c) => {
    expect(rejectionOf({ ...valid, title: `Du${c}ne` })).toEqual([{ path: ['title'], message: 'title must not contain control characters' }]);
    expect(rejectionOf({ ...valid, author: `Frank${c}Herbert` })).toEqual([{ path: ['author'], message: 'author must not contain control characters' }]);
  });

  it('keeps markup and SQL-looking text verbatim (plain text, never interpreted)', () => {
    for (const title of ['<script>alert(1)</script>', "' OR 1=1 --", '"; DROP TABLE book; --', '{"$gt": ""}', 'Les Misérables — 레 미제라블']) {
      expect(NewBookSchema.parse({ ...valid, title }).title).toBe(title);
    }
  });
});

describe('searchTermProblem', () => {
  it.each(["' OR 1=1 --", '<script>', '{"$gt": ""}', 'x'.repeat(200), '한글'])('lets %j be searched for (as literal text)', (term) => {
    expect(searchTermProblem(term)).toBeNull();
  });

  it('refuses more than 200 characters and control characters', () => {
    expect(searchTermProblem('x'.repeat(201))).toBe('search is at most 200 characters');
    expect(searchTermProblem('a\u0000b')).toBe('search must not contain control characters');
  });
});

describe('encodeCursor / decodeCursor', () => {
  it.each([0n, 1n, 42n, 9_223_372_036_854_775_807n])('round-trips %s', (seq) => {
    expect(decodeCursor(encodeCursor(seq))).toBe(seq);
  });

  it('gives different cursors for different positions, safe for URLs', () => {
    expect(encodeCursor(1n)).not.toBe(encodeCursor(2n));
    expect(encodeCursor(123_456_789n)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['an empty string', ''],
    ['garbage', '!!!not a cursor!!!'],
    ['plain text', 'hello'],
    ['base64 of a foreign id', Buffer.from('user:42').toString('base64url')],
    ['base64 of a negative position', Buffer.from('book:-1').toString('base64url')],
    ['base64 of a non-number position', Buffer.from('book:abc').toString('base64url')],
    ['base64 with trailing data', Buffer.from('book:1;drop').toString('base64url')],
    ['base64 of a too long number', Buffer.from(`book:${'9'.repeat(20)}`).toString('base64url')],
  ])('rejects %s', (_what, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
