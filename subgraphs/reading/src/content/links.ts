import { jwtVerify, SignJWT } from 'jose';

/** What a link grants: reading one rental's book, or uploading one book's EPUB. */
export type LinkPurpose = 'read' | 'upload';

/** Path prefixes of the links (same origin: the gateway proxies `/content/` to reading). */
export const CONTENT_PATHS: Record<LinkPurpose, string> = { read: '/content/read/', upload: '/content/uploads/' };

const ISSUER = 'ebook-reading';

/**
 * Short-lived signed links of the content server (jose, HS256 with `READING_LINK_SECRET`): the
 * token names one rental (`read`) or one book (`upload`) in `sub`, its purpose in `aud`, and
 * expires after the configured TTL. A link is a bearer capability for that time only; what it
 * may do is still decided on each request (the licence, for a read).
 */
export class ContentLinks {
  constructor(
    private readonly secret: Uint8Array,
    private readonly ttlMs: Record<LinkPurpose, number>,
  ) {}

  /** A relative URL for `subject` (rental id / book id) and its expiry. */
  async issue(purpose: LinkPurpose, subject: string, now = new Date()): Promise<{ url: string; expiresAt: Date }> {
    const expiresAt = new Date(now.getTime() + this.ttlMs[purpose]);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(`reading:${purpose}`)
      .setSubject(subject)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.secret);
    return { url: `${CONTENT_PATHS[purpose]}${token}`, expiresAt };
  }

  /** The subject of a valid, unexpired token for `purpose`, else null (bad signature, expired, other purpose, malformed). */
  async subjectOf(purpose: LinkPurpose, token: string): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { issuer: ISSUER, audience: `reading:${purpose}`, algorithms: ['HS256'] });
      return typeof payload.sub === 'string' ? payload.sub : null;
    } catch {
      return null;
    }
  }
}
