import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEnv } from '@ebook/subgraph-kit';
import { createUserDb } from '../db';
import { prismaOidcAdapter, purgeExpiredOidcPayloads } from './prisma-adapter';

/**
 * The authorization server's storage on PostgreSQL: what oidc-provider relies on for refresh
 * rotation (consume → `consumed`), reuse detection (revoke a whole grant), expiry and lookups
 * by interaction uid.
 */
const db = createUserDb(requireEnv('USER_DATABASE_URL'));
const Adapter = prismaOidcAdapter(db);
afterAll(() => db.$disconnect());

describe('oidc-provider adapter on PostgreSQL', () => {
  it('stores, finds, consumes and destroys by model and id; models do not see each other', async () => {
    const tokens = new Adapter('RefreshToken');
    const codes = new Adapter('AuthorizationCode');
    const id = randomUUID();
    await tokens.upsert(id, { accountId: 'a1', grantId: 'g-x', kind: 'RefreshToken' }, 60);
    expect(await tokens.find(id)).toMatchObject({ accountId: 'a1', grantId: 'g-x' });
    expect(await codes.find(id)).toBeUndefined();
    expect((await tokens.find(id))?.consumed).toBeUndefined();

    await tokens.consume(id);
    const consumed = await tokens.find(id);
    expect(consumed?.consumed).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 5);

    await tokens.upsert(id, { accountId: 'a2', kind: 'RefreshToken' }, 60);
    expect(await tokens.find(id)).toMatchObject({ accountId: 'a2' });
    await tokens.destroy(id);
    expect(await tokens.find(id)).toBeUndefined();
  });

  it('revokeByGrantId removes every model of the grant (reuse detection) and nothing else', async () => {
    const grantId = randomUUID();
    const other = randomUUID();
    const [rt, code, grant] = [new Adapter('RefreshToken'), new Adapter('AuthorizationCode'), new Adapter('Grant')];
    await rt.upsert('rt-1-' + grantId, { grantId }, 60);
    await rt.upsert('rt-2-' + grantId, { grantId }, 60);
    await code.upsert('code-' + grantId, { grantId }, 60);
    await grant.upsert(grantId, { grantId }, 60);
    await rt.upsert('rt-' + other, { grantId: other }, 60);

    await rt.revokeByGrantId(grantId);

    expect(await rt.find('rt-1-' + grantId)).toBeUndefined();
    expect(await rt.find('rt-2-' + grantId)).toBeUndefined();
    expect(await code.find('code-' + grantId)).toBeUndefined();
    expect(await grant.find(grantId)).toBeUndefined();
    expect(await rt.find('rt-' + other)).toMatchObject({ grantId: other });
  });

  it('finds interactions and sessions by uid, user codes by userCode', async () => {
    const uid = randomUUID();
    const sessions = new Adapter('Session');
    await sessions.upsert('s-' + uid, { uid, accountId: 'a3' }, 60);
    expect(await sessions.findByUid(uid)).toMatchObject({ accountId: 'a3' });
    const devices = new Adapter('DeviceCode');
    await devices.upsert('d-' + uid, { userCode: 'ABCD-' + uid.slice(0, 4) }, 60);
    expect(await devices.findByUserCode('ABCD-' + uid.slice(0, 4))).toMatchObject({ userCode: 'ABCD-' + uid.slice(0, 4) });
  });

  it('expired rows are invisible at once and deleted by the purge; rows without expiry stay', async () => {
    const codes = new Adapter('AuthorizationCode');
    const id = randomUUID();
    await codes.upsert(id, { accountId: 'a4' }, 1);
    await codes.upsert('forever-' + id, { accountId: 'a5' }, 0);
    expect(await codes.find(id)).toBeDefined();
    await db.oidcPayload.update({ where: { model_id: { model: 'AuthorizationCode', id } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await codes.find(id)).toBeUndefined();
    expect(await purgeExpiredOidcPayloads(db)).toBeGreaterThanOrEqual(1);
    expect(await db.oidcPayload.count({ where: { id } })).toBe(0);
    expect(await codes.find('forever-' + id)).toMatchObject({ accountId: 'a5' });
  });
});
