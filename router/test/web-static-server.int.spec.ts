/**
 * The web client's production server (web/Dockerfile's nginx with web/nginx/default.conf and the
 * ConfigMap of k8s/base/web.yaml) against what the gateway serves under `pnpm dev`
 * (mountWebApp): a real nginx (Debian's) on a fresh Vite build, answering the same paths with the
 * same Content-Security-Policy and caching. Runs nginx as the container does, on port 4650 (this
 * repository's web test range) with a temporary prefix instead of /etc/nginx and /usr/share/nginx.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWebApp } from '../src/web-app';
import { startWebNginx, webConfigMapFiles, type WebNginx } from './web-nginx';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PORT = 4650;
const NGINX = `http://127.0.0.1:${PORT}`;

const dir = mkdtempSync(path.join(tmpdir(), 'ebook-web-nginx-'));
// nginx's workers (run as root, they drop to `nobody`) must read the files.
chmodSync(dir, 0o755);
const dist = path.join(dir, 'html');

describe('web client behind nginx (the static image) serves what the gateway serves under pnpm dev', () => {
  let nginx: WebNginx | undefined;
  let gateway: ReturnType<express.Express['listen']> | undefined;
  let GATEWAY = '';
  const files = webConfigMapFiles();
  const config = JSON.parse(files['config.json']!) as { issuer: string; clientId: string };

  beforeAll(async () => {
    const vite = path.join(ROOT, 'web/node_modules/vite/bin/vite.js');
    const build = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', dist, '--emptyOutDir'], { cwd: path.join(ROOT, 'web'), encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    nginx = await startWebNginx({ dir, dist, port: PORT, files });
    const app = express();
    mountWebApp(app, { root: dist, config });
    gateway = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => gateway!.once('listening', resolve));
    GATEWAY = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const html = { accept: 'text/html' };

  it.each(['/', '/callback', '/manage/books/42'])('%s: index.html, never cached, with the CSP, nosniff and no-referrer the gateway sets', async (p) => {
    const [ours, dev] = await Promise.all([fetch(`${NGINX}${p}`, { headers: html }), fetch(`${GATEWAY}${p}`, { headers: html })]);
    expect(ours.status).toBe(200);
    expect(await ours.text()).toBe(await dev.text());
    for (const h of ['content-security-policy', 'cache-control', 'x-content-type-options', 'referrer-policy']) expect(ours.headers.get(h), h).toBe(dev.headers.get(h));
    expect(ours.headers.get('content-security-policy')).toContain(`connect-src 'self' ${new URL(config.issuer).origin};`);
  });

  it("/config.json: the ConfigMap's issuer and client id `ebook-web`, never cached", async () => {
    const res = await fetch(`${NGINX}/config.json`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.json()).toEqual(await (await fetch(`${GATEWAY}/config.json`)).json());
    expect(config.clientId).toBe('ebook-web');
  });

  it('/assets/*: the hashed bundle, immutable for a year; an unknown asset is 404, not index.html', async () => {
    const asset = readdirSync(path.join(dist, 'assets')).find((f) => f.endsWith('.js'))!;
    const res = await fetch(`${NGINX}/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(await res.text()).toBe(readFileSync(path.join(dist, 'assets', asset), 'utf8'));
    expect((await fetch(`${NGINX}/assets/missing-0000.js`)).status).toBe(404);
  });
});
