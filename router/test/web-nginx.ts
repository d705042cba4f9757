/**
 * The web client's production server for tests: a real nginx (Debian's) with web/nginx/default.conf
 * and the files of k8s/base/web.yaml's ConfigMap, as the image runs it, on a temporary prefix
 * instead of /etc/nginx and /usr/share/nginx; optionally with more `server` blocks in the same
 * process (the production-mode browser suite adds the ingress of k8s/base/ingress.yaml there).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { expect, vi } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The public origin k8s/base names (its ConfigMap's issuer and CSP, the Ingress's host). */
export const EXAMPLE_ORIGIN = 'https://ebook-rental.example.com';

/** The manifests of a k8s/base file, as plain objects. */
export function k8sDocuments(file: string): any[] {
  return parseAllDocuments(readFileSync(path.join(ROOT, 'k8s/base', file), 'utf8')).map((d) => d.toJS());
}

/**
 * The `web` ConfigMap's files (`config.json`, `security-headers.conf`), as k8s/base/web.yaml
 * mounts them at /etc/nginx/web; with `origin`, its example origin replaced by that one (the
 * issuer of a stack the test runs).
 */
export function webConfigMapFiles(origin?: string): Record<string, string> {
  const data = k8sDocuments('web.yaml').find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'web').data as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([name, text]) => [name, origin ? text.replaceAll(EXAMPLE_ORIGIN, origin) : text]));
}

/** A running nginx of {@link startWebNginx}. */
export interface WebNginx {
  /** Stops it (SIGQUIT: graceful) and resolves when it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts nginx in `dir` (which must be readable by `nobody`: the workers drop to it when run as
 * root) serving `dist` (a Vite build of web/) with web/nginx/default.conf on 127.0.0.1:`port`,
 * /etc/nginx/web being `files` (see {@link webConfigMapFiles}); `servers` is added to its `http`
 * block as is. Resolves once `/healthz` answers 200 (max 10 s).
 * @throws with nginx's stderr when it exits or does not answer in time.
 */
export async function startWebNginx(opts: { dir: string; dist: string; port: number; files: Record<string, string>; servers?: string }): Promise<WebNginx> {
  const { dir, dist, port } = opts;
  const mounted = path.join(dir, 'web');
  mkdirSync(mounted, { recursive: true });
  for (const [name, text] of Object.entries(opts.files)) writeFileSync(path.join(mounted, name), text);
  const site = readFileSync(path.join(ROOT, 'web/nginx/default.conf'), 'utf8')
    .replaceAll('/etc/nginx/web', mounted)
    .replace('/usr/share/nginx/html', dist)
    .replace('listen 8080', `listen 127.0.0.1:${port}`);
  writeFileSync(path.join(dir, 'default.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ');
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log stderr;\nevents {}\nhttp { include /etc/nginx/mime.types; access_log off; ${temp} include ${dir}/default.conf;\n${opts.servers ?? ''}\n}\n`,
  );
  let output = '';
  const nginx: ChildProcess = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  nginx.stderr!.on('data', (d) => (output += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (nginx.exitCode !== null || nginx.signalCode !== null) return resolve();
      nginx.once('exit', () => resolve());
      nginx.kill('SIGQUIT');
    });
  try {
    await vi.waitFor(
      async () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited: ${output}`);
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      },
      { timeout: 10_000, interval: 100 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

/** The k8s/base files holding an Ingress of the public host: the main one, and reading's `/content` (its own body-size limit). */
const INGRESS_FILES = ['ingress.yaml', 'reading.yaml'];

/**
 * nginx `server` block for the Ingresses of k8s/base (ingress.yaml, reading.yaml) on 127.0.0.1:`port`: each of
 * their paths (`Exact` → `location =`, `Prefix` → a prefix location) proxied to `backends[service]`
 * (a base URL), with the X-Forwarded-Proto/Host an ingress controller sets, and an Ingress's
 * `nginx.ingress.kubernetes.io/proxy-body-size` as the location's `client_max_body_size`.
 * @throws when an Ingress names a service missing from `backends`.
 */
export function ingressServer(port: number, backends: Record<string, string>): string {
  const ingresses = INGRESS_FILES.flatMap((f) => k8sDocuments(f).filter((d) => d.kind === 'Ingress'));
  const locations = ingresses.flatMap((ingress: any) => {
    const bodySize = ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'] as string | undefined;
    const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths) as { path: string; pathType: string; backend: { service: { name: string } } }[];
    return paths.map((p) => {
      const target = backends[p.backend.service.name];
      if (!target) throw new Error(`no backend for service ${p.backend.service.name}`);
      return `  location ${p.pathType === 'Exact' ? '= ' : ''}${p.path} { ${bodySize ? `client_max_body_size ${bodySize}; ` : ''}proxy_pass ${target}; }`;
    });
  });
  return [
    'server {',
    `  listen 127.0.0.1:${port};`,
    '  proxy_http_version 1.1;',
    '  proxy_set_header Host $http_host;',
    '  proxy_set_header X-Forwarded-Host $http_host;',
    '  proxy_set_header X-Forwarded-Proto $scheme;',
    '  proxy_set_header X-Forwarded-For $remote_addr;',
    ...locations,
    '}',
  ].join('\n');
}
