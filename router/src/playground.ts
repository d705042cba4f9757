/**
 * Offline GraphiQL playground for the gateway.
 *
 * What it serves:
 *   - `GET ${mountPath}`                       → a small HTML page that boots GraphiQL
 *   - `GET ${mountPath}/assets/<file>?v=<ver>` → the JS/CSS it needs:
 *       react.production.min.js      from `react`     (`umd/react.production.min.js`)
 *       react-dom.production.min.js  from `react-dom` (`umd/react-dom.production.min.js`)
 *       graphiql.min.js / .min.css   from `graphiql`  (prebuilt UMD bundle, 4.x line)
 *
 * Why: Apollo Server's default landing page (and the GraphiQL "CDN example")
 * load their code from a CDN, which is unreachable for developers working
 * offline / behind a firewall. Everything here comes from node_modules, is
 * read from disk once at mount time and then served from memory — no CDN and
 * no bundler step. The GraphiQL UMD bundle is self-contained (CodeMirror,
 * fonts and icons are inlined) and only expects `window.React` and
 * `window.ReactDOM`, which the React 18 UMD builds provide.
 *
 * Version constraints (router/package.json must depend on these directly,
 * pnpm does not hoist): `graphiql@4.1.x` (the last line that still ships
 * `graphiql.min.js`; 5.x dropped the UMD build), `react@18` and `react-dom@18`
 * (React 19 no longer ships `umd/` builds).
 *
 * Gotcha: `graphiql`, `react` and `react-dom` have an `exports` map that does
 * not expose these files, so `require.resolve('graphiql/graphiql.min.js')`
 * throws ERR_PACKAGE_PATH_NOT_EXPORTED. We resolve `<pkg>/package.json`
 * (always exported) and join the relative path onto its directory.
 *
 * The page points GraphiQL's fetcher at `opts.graphqlPath` on the same origin
 * (POST, `content-type: application/json`, which also satisfies Apollo
 * Server's CSRF prevention) and opens the headers editor so a user can paste
 * `{"Authorization":"Bearer <token>"}` obtained from the login mutation.
 * Schema docs/autocomplete need introspection to be enabled on the gateway.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Express, Request, Response } from 'express';

const require = createRequire(import.meta.url);

export interface PlaygroundOptions {
  /** Path of the GraphQL endpoint on the same origin, e.g. `/graphql`. */
  graphqlPath: string;
  /** Where the page is mounted. Default `/playground`. */
  mountPath?: string;
  /** Overrides the initial editor contents (first visit only; GraphiQL persists tabs). */
  defaultQuery?: string;
}

interface AssetSpec {
  /** File name exposed under `${mountPath}/assets/`. */
  name: string;
  pkg: 'react' | 'react-dom' | 'graphiql';
  /** Path of the file relative to the package root. */
  rel: string;
  contentType: string;
}

interface LoadedAsset {
  /** URL path including a `?v=` cache-buster, as referenced from the HTML. */
  href: string;
  route: string;
  body: Buffer;
  contentType: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const ASSETS: readonly AssetSpec[] = [
  { name: 'react.production.min.js', pkg: 'react', rel: 'umd/react.production.min.js', contentType: JS },
  {
    name: 'react-dom.production.min.js',
    pkg: 'react-dom',
    rel: 'umd/react-dom.production.min.js',
    contentType: JS,
  },
  { name: 'graphiql.min.js', pkg: 'graphiql', rel: 'graphiql.min.js', contentType: JS },
  { name: 'graphiql.min.css', pkg: 'graphiql', rel: 'graphiql.min.css', contentType: CSS },
];

export const DEFAULT_PLAYGROUND_QUERY = `# E-book rental GraphQL playground
# (served offline from node_modules, no CDN).
# The other tabs hold the first-party operations of our clients.
#
# Authenticated operations need a bearer token:
#  1. Sign in — the "Login" tab, or run:
#       mutation {
#         login(email: "manager@ebook.local",
#               password: "manager-dev-password") {
#           accessToken
#         }
#       }
#     (pnpm dev's seeded manager; a customer registers first:
#      the "RegisterCustomer" tab, then Login).
#  2. Open the "Headers" tab below and paste:
#       {"Authorization": "Bearer <accessToken>"}
#  3. Run with Ctrl-Enter (Cmd-Enter on macOS)
#     or the ▶ button.
#
# Autocomplete: Ctrl-Space. Prettify: Shift-Ctrl-P.

query Ping {
  __typename
}
`;

/** The first-party operations, beside `src/` and `dist/` (the image ships none: no tabs there). */
const OPERATIONS_DIR = new URL('../operations/', import.meta.url);

/**
 * The first-party operations (`router/operations/*.graphql`) as playground tabs, `Login` first,
 * each followed by the fragments it spreads (transitively), so every tab runs as it is.
 * @returns `[{ query }]`, empty when the folder is absent.
 */
export function operationTabs(dir: URL = OPERATIONS_DIR): { query: string }[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .sort();
  } catch {
    return [];
  }
  const texts = files.map((f) => ({ file: f, text: readFileSync(new URL(f, dir), 'utf8').trim() }));
  const fragments = new Map<string, string>();
  for (const { text } of texts) for (const m of text.matchAll(/^fragment (\w+) on/gm)) fragments.set(m[1]!, text);
  const spreadIn = (text: string) => [...text.matchAll(/\.\.\.(\w+)/g)].map((m) => m[1]!).filter((n) => fragments.has(n));
  const operations = texts.filter(({ text }) => /^(query|mutation|subscription)\b/m.test(text));
  operations.sort((a, b) => (a.file === 'Login.graphql' ? -1 : b.file === 'Login.graphql' ? 1 : a.file.localeCompare(b.file)));
  return operations.map(({ text }) => {
    const needed = new Set<string>();
    const visit = (t: string) => spreadIn(t).forEach((n) => !needed.has(n) && (needed.add(n), visit(fragments.get(n)!)));
    visit(text);
    return { query: [text, ...[...needed].map((n) => fragments.get(n)!)].join('\n\n') + '\n' };
  });
}

/** Absolute path of a file inside an installed package, bypassing its `exports` map. */
function resolvePackageFile(pkg: string, rel: string): { file: string; version: string } {
  const pkgJsonPath = require.resolve(`${pkg}/package.json`);
  const { version } = JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { version: string };
  return { file: path.join(path.dirname(pkgJsonPath), rel), version };
}

/** Drop trailing `sourceMappingURL` comments: we don't serve the (multi-MB) maps, avoid devtools 404s. */
function stripSourceMap(text: string): string {
  return text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n').replace(/\n?\/\*# sourceMappingURL=\S+ \*\/\s*$/, '\n');
}

/** JSON that is safe to embed inside an HTML `<script>` element. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function normalizeMountPath(mountPath: string): string {
  const trimmed = `/${mountPath}`.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return trimmed; // '' when mounted at the root
}

function renderPage(assets: ReadonlyMap<string, LoadedAsset>, graphqlPath: string, defaultQuery: string): string {
  const href = (name: string): string => escapeAttr(assets.get(name)?.href ?? '');
  const config = jsonForScript({ graphqlPath, defaultTabs: [{ query: defaultQuery }, ...operationTabs()] });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>E-book rental · GraphiQL</title>
<style>html,body{height:100%;margin:0;overflow:hidden}#graphiql{height:100vh}</style>
<link rel="stylesheet" href="${href('graphiql.min.css')}">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script type="application/json" id="playground-config">${config}</script>
<script src="${href('react.production.min.js')}"></script>
<script src="${href('react-dom.production.min.js')}"></script>
<script src="${href('graphiql.min.js')}"></script>
<script>
(function () {
  var cfg = JSON.parse(document.getElementById('playground-config').textContent);
  var fetcher = GraphiQL.createFetcher({
    url: new URL(cfg.graphqlPath, window.location.href).href,
    headers: { 'content-type': 'application/json' }
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: cfg.defaultTabs,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false
    })
  );
})();
</script>
</body>
</html>
`;
}

/**
 * Mounts the offline GraphiQL page at `opts.mountPath` (default `/playground`)
 * and its assets under `${mountPath}/assets/`. Files are resolved and read
 * synchronously here, so a missing dependency fails at startup, not per request.
 */
export function mountPlayground(app: Express, opts: PlaygroundOptions): void {
  const base = normalizeMountPath(opts.mountPath ?? '/playground');
  const assets = new Map<string, LoadedAsset>();

  for (const spec of ASSETS) {
    const { file, version } = resolvePackageFile(spec.pkg, spec.rel);
    const body = Buffer.from(stripSourceMap(readFileSync(file, 'utf8')), 'utf8');
    const route = `${base}/assets/${spec.name}`;
    assets.set(spec.name, {
      route,
      href: `${route}?v=${encodeURIComponent(version)}`,
      body,
      contentType: spec.contentType,
    });
  }

  for (const asset of assets.values()) {
    app.get(asset.route, (_req: Request, res: Response) => {
      res.set({
        'Content-Type': asset.contentType,
        // URLs carry the package version, so the content behind them never changes.
        'Cache-Control': 'public, max-age=31536000, immutable',
        'X-Content-Type-Options': 'nosniff',
      });
      res.send(asset.body);
    });
  }

  const html = Buffer.from(renderPage(assets, opts.graphqlPath, opts.defaultQuery ?? DEFAULT_PLAYGROUND_QUERY), 'utf8');
  app.get(base === '' ? '/' : base, (_req: Request, res: Response) => {
    res.set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(html);
  });
}
