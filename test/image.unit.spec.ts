import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/**
 * The file a container command runs, as it exists in a checkout: a compiled entry
 * `<package>/dist/<name>.js` is built from `<package>/src/<name>.ts`, and the migration runner
 * `dist/<path>.js` (tsconfig.migrate.json) from `<path>.ts`.
 */
function sourceOf(entry: string): string {
  if (entry.startsWith('dist/')) return entry.replace(/^dist\/(.+)\.js$/, '$1.ts');
  return entry.replace(/\/dist\/(\w+)\.js$/, '/src/$1.ts');
}

/** The script a `node [--flags] <script>` command runs. */
function scriptOf(command: string[]): string {
  expect(command[0]).toBe('node');
  const script = command.slice(1).filter((arg, i, args) => !arg.startsWith('-') && args[i - 1] !== '--import');
  expect(script).toHaveLength(1);
  return script[0]!;
}

/** Without docker at hand: the Dockerfile and the Kubernetes manifests name files that exist. */
describe('image and manifests', () => {
  const dockerfile = read('Dockerfile');

  it.each(['Dockerfile', 'web/Dockerfile'])('every file %s copies from the build context (the repository root) exists and is not .dockerignored', (file) => {
    const ignored = new Set(
      read('.dockerignore')
        .split('\n')
        .map((l) => l.trim()),
    );
    const sources = [...read(file).matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(path.join(root, source)), source).toBe(true);
      expect(ignored.has(source), source).toBe(false);
    }
  });

  it("the image's default command and every container command of the platform image in k8s/base run an entry built from an existing source", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    const commands = [JSON.parse(cmd![1]!) as string[]];
    type Container = { image?: string; command?: string[] };
    for (const file of readdirSync(path.join(root, 'k8s/base')).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(read(`k8s/base/${file}`))) {
        const obj = doc.toJS() as { spec?: { template?: { spec?: { containers?: Container[] } } } } | null;
        for (const c of obj?.spec?.template?.spec?.containers ?? []) if (c.image?.startsWith('ghcr.io/ebook-rental/platform') && c.command) commands.push(c.command);
      }
    }
    expect(commands.length).toBeGreaterThan(6);
    for (const command of commands) {
      // Compiled JavaScript only: tsx is a development dependency, absent from the image.
      expect(command, command.join(' ')).not.toContain('tsx');
      const script = scriptOf(command);
      expect(existsSync(path.join(root, sourceOf(script))), command.join(' ')).toBe(true);
    }
  });
});
