/**
 * Serves the built web client (`web/dist/`, Vite's output) from the gateway's origin, next to
 * `/graphql` and `/playground` — what `pnpm dev` does. Production serves the same files from
 * any static web server (the gateway is never required to): see README, "Web app".
 *
 * - `GET /config.json` → {@link WebAppOptions.config}: where the app finds its authorization server;
 * - `/assets/*` (content-hashed names) → cached for a year, immutable;
 * - any other GET that accepts HTML (`/`, `/callback`, `/rentals`, …) → `index.html`, never
 *   cached, so the client-side router handles the path;
 * - a Content-Security-Policy that lets the page load only its own scripts and styles and call
 *   only its own origin and the authorization server (token, revocation, discovery).
 */
import path from 'node:path';
import express, { type Express } from 'express';

/** Options of {@link mountWebApp}. */
export interface WebAppOptions {
  /** Directory with the built app (`index.html`, `assets/`). */
  root: string;
  /** Served as `/config.json`: the issuer URL of the authorization server and the public client id. */
  config: { issuer: string; clientId: string };
}

/** Mounts the app on `app`; call after the API routes, before the error handler. */
export function mountWebApp(app: Express, opts: WebAppOptions): void {
  const issuerOrigin = new URL(opts.config.issuer).origin;
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ${issuerOrigin}`,
    // For the reader: epub.js serves an EPUB's images, stylesheets and fonts from blob: URLs inside its
    // srcdoc page iframe (which inherits this policy), and adds <style> rules of its own there (unsafe-inline: styles only, never scripts).
    "img-src 'self' data: blob:",
    "style-src 'self' blob: 'unsafe-inline'",
    "font-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    `form-action 'self' ${issuerOrigin}`,
  ].join('; ');
  const index = path.join(opts.root, 'index.html');
  app.get('/config.json', (_req, res) => void res.set('cache-control', 'no-cache').json(opts.config));
  app.use(
    express.static(opts.root, {
      index: false,
      setHeaders: (res, file) => res.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    }),
  );
  app.use((req, res, next) => {
    if (req.method !== 'GET' || !req.accepts('html')) return next();
    res.set({ 'content-security-policy': csp, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    res.sendFile(index, (err) => err && next(err));
  });
}
