import { describe, expect, it } from 'vitest';
import { normalizeEmail, RegistrationSchema, type Registration } from './registration';

const valid: Registration = { name: 'Kim Minji', email: 'minji@example.com', phone: '010-1234-5678', password: 'correct horse', locale: 'ko' };

/** The paths of the issues of a rejected input (fails when it is accepted). */
function rejectedPaths(input: unknown): PropertyKey[][] {
  const result = RegistrationSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((i) => i.path);
}

describe('RegistrationSchema', () => {
  it('accepts a valid registration', () => {
    expect(RegistrationSchema.parse(valid)).toEqual(valid);
  });

  it('locale: ko when absent or null, en kept; any other value refused on the locale field', () => {
    const { locale: _, ...withoutLocale } = valid;
    expect(RegistrationSchema.parse(withoutLocale).locale).toBe('ko');
    expect(RegistrationSchema.parse({ ...valid, locale: null }).locale).toBe('ko');
    expect(RegistrationSchema.parse({ ...valid, locale: 'en' }).locale).toBe('en');
    for (const locale of ['EN', 'ja', '', 'ko-KR', 1]) expect(rejectedPaths({ ...valid, locale })).toEqual([['locale']]);
  });

  it('trims and lower-cases the email', () => {
    expect(RegistrationSchema.parse({ ...valid, email: '  Minji.Kim@Example.COM ' }).email).toBe('minji.kim@example.com');
  });

  it('trims the name', () => {
    expect(RegistrationSchema.parse({ ...valid, name: '  Kim Minji  ' }).name).toBe('Kim Minji');
  });

  it.each(['minji', 'minji@', '@example.com', 'minji@example', 'min ji@example.com', ''])('rejects the email %j', (email) => {
    expect(rejectedPaths({ ...valid, email })).toEqual([['email']]);
  });

  it('rejects a password shorter than 8 characters, accepts exactly 8', () => {
    expect(rejectedPaths({ ...valid, password: '1234567' })).toEqual([['password']]);
    expect(RegistrationSchema.safeParse({ ...valid, password: '12345678' }).success).toBe(true);
  });

  it('does not trim the password', () => {
    expect(RegistrationSchema.parse({ ...valid, password: ' secret pass ' }).password).toBe(' secret pass ');
  });

  it.each(['+82 10-1234-5678', '010-1234-5678', '01012345678'])('accepts the phone %j', (phone) => {
    expect(RegistrationSchema.parse({ ...valid, phone }).phone).toBe(phone);
  });

  it.each(['12345', 'call me', '010-1234-567a', '+82-', '010-1234-5678-', '++82 10 1234 5678', '1------2', '0 - - - 0'])('rejects the phone %j', (phone) => {
    expect(rejectedPaths({ ...valid, phone })).toEqual([['phone']]);
  });

  it('rejects an empty name', () => {
    expect(rejectedPaths({ ...valid, name: '   ' })).toEqual([['name']]);
  });
});

describe('normalizeEmail', () => {
  it('matches the schema normalisation, so lookups find the registered account', () => {
    const typed = ' Minji@Example.com ';
    expect(normalizeEmail(typed)).toBe(RegistrationSchema.parse({ ...valid, email: typed }).email);
  });
});

describe('RegistrationSchema: control characters (input hygiene)', () => {
  const controls = [
    ['NUL', '\u0000'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
    ['a newline', '\n'],
    ['a tab', '\t'],
  ] as const;

  it.each(controls)('refuses %s inside the name, with the reason', (_what, c) => {
    const result = RegistrationSchema.safeParse({ ...valid, name: `Kim${c}Minji` });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path, i.message])).toEqual([[['name'], 'name must not contain control characters']]);
  });

  it.each(controls)('refuses %s inside the email, the phone and the password', (_what, c) => {
    expect(rejectedPaths({ ...valid, email: `minji${c}@example.com` })).toEqual([['email']]);
    expect(rejectedPaths({ ...valid, phone: `010-1234${c}5678` })).toEqual([['phone']]);
    expect(rejectedPaths({ ...valid, password: `correct${c}horse` })).toEqual([['password']]);
  });

  it('still trims surrounding whitespace (tabs, newlines) instead of refusing it, except in the password', () => {
    expect(RegistrationSchema.parse({ ...valid, name: '\tKim Minji\n' }).name).toBe('Kim Minji');
    expect(rejectedPaths({ ...valid, password: 'correct horse\n' })).toEqual([['password']]);
  });

  it('accepts injection-looking text that is plain text (stored as text, never interpreted)', () => {
    for (const name of ["' OR 1=1 --", '"; DROP TABLE "user"; --', '<script>alert(1)</script>', '{"$gt": ""}', 'Zoë 김민지 😀']) {
      expect(RegistrationSchema.parse({ ...valid, name }).name).toBe(name);
    }
  });
});
