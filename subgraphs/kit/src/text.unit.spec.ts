import { describe, expect, it } from 'vitest';
import { hasControlChars } from './text';

describe('hasControlChars (every free-text input: names, emails, titles, searches)', () => {
  it('spots only control characters', () => {
    expect(hasControlChars('plain text, ünïcödé, 한글')).toBe(false);
    expect(hasControlChars('Ünïcödé 한글 😀')).toBe(false);
    expect(hasControlChars('a\u0000b')).toBe(true);
  });
});
