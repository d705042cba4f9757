/**
 * The web client's build for `pnpm dev`: `web/dist/` is (re)built with Vite when it is missing
 * or older than any of its inputs (`web/src/`, `web/index.html`, `web/vite.config.ts`,
 * `web/package.json`, the first-party operations in `router/operations/`). Checking takes a few
 * milliseconds; a build about two seconds, in a child process beside the database start-up.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The web package's directory. */
export const WEB_DIR = path.join(ROOT, 'web');
/** What the gateway serves: Vite's output. */
export const WEB_DIST = path.join(WEB_DIR, 'dist');
const INPUTS = [
  path.join(WEB_DIR, 'src'),
  path.join(WEB_DIR, 'index.html'),
  path.join(WEB_DIR, 'vite.config.ts'),
  path.join(WEB_DIR, 'package.json'),
  path.join(ROOT, 'router', 'operations'),
];

/** Newest modification time (ms) of `file`, or of any file under it; 0 when it does not exist. */
function newest(file: string): number {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(file).reduce((max, name) => Math.max(max, newest(path.join(file, name))), stat.mtimeMs);
}

/** True when `web/dist/index.html` is missing or older than an input. */
export function webBuildIsStale(): boolean {
  const built = newest(path.join(WEB_DIST, 'index.html'));
  return built === 0 || INPUTS.some((input) => newest(input) > built);
}

/**
 * Builds the app when {@link webBuildIsStale} (`vite build` in `web/`, its output shown only on failure).
 * @returns whether it built. @throws Error with Vite's output when the build fails.
 */
export async function ensureWebBuild(): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  const vite = path.join(WEB_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`web app build failed (vite build in web/):\n${output}`))));
  });
  return true;
}
