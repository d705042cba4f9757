import { describe, expect, it } from 'vitest';
import { normalizeEmail, RegistrationSchema, type Registration } from './registration';

const valid: Registration = { name: 'Kim Minji', email: 'minji@example.com', phone: '010-1234-5678', password: 'correct horse' };

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
