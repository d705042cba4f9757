import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Prisma } from '../generated/prisma/client';
import type { UserDb } from '../db';

/**
 * oidc-provider's storage contract backed by the user context's database (table
 * `oidc_payload`, one row per model name and id) — oidc-provider only ships an in-memory
 * adapter, unfit for several replicas or restarts. Expired rows are invisible to `find*`
 * (and removed by {@link purgeExpiredOidcPayloads}); `consume` stamps `consumedAt`, which
 * oidc-provider reads back as `consumed` to rotate refresh tokens and detect their reuse.
 * @returns the adapter class oidc-provider instantiates once per model name.
 */
export function prismaOidcAdapter(db: UserDb): new (model: string) => Adapter {
  return class PrismaOidcAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const data = {
        payload: payload as Prisma.InputJsonValue,
        grantId: payload.grantId ?? null,
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      };
      await db.oidcPayload.upsert({ where: { model_id: { model: this.model, id } }, create: { model: this.model, id, ...data }, update: data });
    }

    find(id: string): Promise<AdapterPayload | undefined> {
      return this.findOne({ model: this.model, id });
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findOne({ model: this.model, userCode });
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findOne({ model: this.model, uid });
    }

    async consume(id: string): Promise<void> {
      await db.oidcPayload.updateMany({ where: { model: this.model, id }, data: { consumedAt: new Date() } });
    }

    async destroy(id: string): Promise<void> {
      await db.oidcPayload.deleteMany({ where: { model: this.model, id } });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // Every model of the grant: its refresh tokens, codes and the grant itself.
      await db.oidcPayload.deleteMany({ where: { grantId } });
    }

    private async findOne(where: Prisma.OidcPayloadWhereInput): Promise<AdapterPayload | undefined> {
      const row = await db.oidcPayload.findFirst({ where: { ...where, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] } });
      if (!row) return undefined;
      const payload = row.payload as AdapterPayload;
      return row.consumedAt ? { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) } : payload;
    }
  };
}

/** Deletes expired authorization-server rows. @returns how many were deleted. */
export async function purgeExpiredOidcPayloads(db: UserDb): Promise<number> {
  const { count } = await db.oidcPayload.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return count;
}
