import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compiledEntryOf, CONTEXT_REGISTRY, CONTEXTS, databaseUrlEnv, entryOf, serviceUrlEnv, stages } from '../contexts';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const folders = (dir: string, marker: string) =>
  readdirSync(new URL(dir, root), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(new URL(`${dir}/${d.name}/${marker}`, root)))
    .map((d) => d.name)
    .sort();

describe('the context registry (contexts.ts) and the contexts’ folders agree', () => {
  it('every registered context has its folders, and every context folder is registered', () => {
    const names = [...CONTEXTS].sort();
    expect(folders('prisma', 'prisma.config.ts')).toEqual(names);
    expect(folders('subgraphs', 'schema.graphql')).toEqual(names);
    for (const c of CONTEXTS) expect(existsSync(new URL(entryOf(c), root)), entryOf(c)).toBe(true);
  });

  it("each Prisma schema reads its context's variable and generates into its subgraph; each config names its context", () => {
    for (const c of CONTEXTS) {
      const schema = read(`prisma/${c}/schema.prisma`);
      expect(schema).toContain(`env("${databaseUrlEnv(c)}")`);
      expect(schema).toContain(`output          = "../../subgraphs/${c}/src/generated/prisma"`);
      expect(read(`prisma/${c}/prisma.config.ts`)).toContain(`contextPrismaConfig('${c}')`);
    }
  });

  it('ports are distinct; user (the token issuer) starts alone in the first stage', () => {
    const ports = CONTEXT_REGISTRY.map((c) => c.port);
    expect(new Set(ports).size).toBe(ports.length);
    expect(stages()[0]!.map((c) => c.name)).toEqual(['user']);
  });

  // The rendered objects (database Cluster, Secret references, Kafka access) are checked in test/k8s-manifests.unit.spec.ts.
  it('k8s/base has a file per context on its port, entry and database, and the migration Job migrates every database', () => {
    const kustomization = read('k8s/base/kustomization.yaml');
    const migrate = read('k8s/base/migrate-job.yaml');
    const config = read('k8s/base/configmap.yaml');
    for (const c of CONTEXT_REGISTRY) {
      expect(kustomization).toContain(`  - ${c.name}.yaml`);
      const manifest = read(`k8s/base/${c.name}.yaml`);
      expect(manifest).toContain(`command: ["node", "${compiledEntryOf(c.name)}"]`);
      expect(manifest).toContain(`containerPort: ${c.port}`);
      expect(manifest).toContain(`- name: ${databaseUrlEnv(c.name)}`);
      expect(manifest).toContain(`name: ${c.name}-db-app`);
      expect(migrate).toContain(`- name: ${databaseUrlEnv(c.name)}`);
      expect(migrate).toContain(`name: ${c.name}-db-app`);
      expect(config).toContain(`${serviceUrlEnv(c.name)}: "http://${c.name}:${c.port}"`);
    }
  });
});
