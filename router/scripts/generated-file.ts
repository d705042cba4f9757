import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../src/subgraphs';

/**
 * The end of a build step that writes a committed file: writes `text` to `file`, or — with
 * `--check` on the command line (CI) — writes nothing and exits 1 when the committed file is
 * not exactly `text` ("stale: run `<regenerate>` and commit it").
 */
export function writeOrCheck(file: string | URL, text: string, regenerate: string): void {
  const filePath = typeof file === 'string' ? path.resolve(file) : fileURLToPath(file);
  const name = path.relative(fileURLToPath(REPO_ROOT), filePath);
  if (process.argv.includes('--check')) {
    if ((existsSync(filePath) ? readFileSync(filePath, 'utf8') : '') !== text) {
      console.error(`${name} is stale: run \`${regenerate}\` and commit it`);
      process.exit(1);
    }
    console.log(`${name} is up to date`);
  } else {
    writeFileSync(filePath, text);
    console.log(`wrote ${filePath}`);
  }
}
