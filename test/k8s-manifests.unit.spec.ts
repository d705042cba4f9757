import { beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@ebook/events';
import { CONTEXT_REGISTRY, CONTEXTS, databaseSuffix, databaseUrlEnv } from '../contexts';
import { renderKustomization, validateObject, validateObjects, type K8sObject } from './support/k8s-manifests';

const OVERLAYS = ['k8s/overlays/dev', 'k8s/overlays/prod'] as const;
/** Applied on its own (`kubectl apply -k k8s/monitoring`): PrometheusRule, PodMonitor, dashboards. */
const MONITORING = 'k8s/monitoring';
const rendered: Record<string, K8sObject[]> = {};

beforeAll(async () => {
  for (const dir of ['k8s/base', ...OVERLAYS, MONITORING]) rendered[dir] = await renderKustomization(dir);
}, 60_000);

const find = (dir: string, kind: string, name: string) => rendered[dir]!.find((o) => o.kind === kind && o.metadata.name === name) as any;
const all = (dir: string, kind: string) => rendered[dir]!.filter((o) => o.kind === kind) as any[];
const envOf = (workload: any, name: string) =>
  (workload.spec.template.spec.containers[0].env as any[]).find((e) => e.name === name)?.valueFrom?.secretKeyRef as { name: string; key: string } | undefined;

describe('k8s: every overlay renders and every object matches its schema (Kubernetes, Strimzi, CloudNativePG, KEDA, Prometheus Operator)', () => {
  it.each(['k8s/base', ...OVERLAYS, MONITORING])(
    '%s',
    async (dir) => {
      expect(rendered[dir]!.length).toBeGreaterThan(dir === MONITORING ? 2 : 50);
      expect(await validateObjects(rendered[dir]!)).toEqual([]);
    },
    30_000,
  ); // the first run loads the schema modules and compiles the CRD schemas

  it('rejects broken objects: a wrong type, misspelt fields, a missing required field, an unknown kind', async () => {
    const deployment = structuredClone(find('k8s/base', 'Deployment', 'rental'));
    deployment.spec.replicas = 'two';
    expect(await validateObject(deployment)).toContain('/spec/replicas must be integer');
    const spread = deployment.spec.template.spec.topologySpreadConstraints;
    deployment.spec.template.spec = { ...deployment.spec.template.spec, topologySpreadConstraint: spread, topologySpreadConstraints: undefined };
    expect(await validateObject(deployment)).toContain('/spec/template/spec has unknown field topologySpreadConstraint');

    const topic = structuredClone(find('k8s/base', 'KafkaTopic', TOPICS.rental));
    topic.spec.partition = topic.spec.partitions;
    expect(await validateObject(topic)).toContain('/spec must NOT have additional properties (partition)');

    const cluster = structuredClone(find('k8s/base', 'Cluster', 'rental-db'));
    cluster.spec.instances = '3';
    expect(await validateObject(cluster)).toContain('/spec/instances must be number');

    const scaledObject = structuredClone(find('k8s/base', 'ScaledObject', 'rental'));
    delete scaledObject.spec.scaleTargetRef;
    expect(await validateObject(scaledObject)).toContain('/spec must have required property scaleTargetRef');

    expect(await validateObject({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopc', metadata: { name: 'x' } })).toEqual([
      '/ no schema for kafka.strimzi.io/v1beta2 KafkaTopc',
    ]);
  });
});

describe('k8s/base: one file per context holds its workload, database and Kafka access', () => {
  it.each(CONTEXT_REGISTRY.map((c) => c.name))('%s', (name) => {
    const base = 'k8s/base';
    const deployment = find(base, 'Deployment', name);
    for (const kind of ['Service', 'PodDisruptionBudget', 'NetworkPolicy', 'KafkaUser']) expect(find(base, kind, name), kind).toBeDefined();
    const autoscalers = [find(base, 'HorizontalPodAutoscaler', name), find(base, 'ScaledObject', name)].filter(Boolean);
    expect(autoscalers).toHaveLength(1);
    expect(deployment.spec.replicas).toBeUndefined(); // the autoscaler owns it
    expect(deployment.spec.template.spec.topologySpreadConstraints.length).toBeGreaterThan(0);
    expect(deployment.spec.template.spec.containers[0].resources.limits.memory).toBeDefined();

    const cluster = find(base, 'Cluster', `${name}-db`);
    expect(cluster.spec.bootstrap.initdb).toEqual({ database: `ebook_${databaseSuffix(name)}`, owner: `ebook_${databaseSuffix(name)}` });
    expect(cluster.spec.backup.barmanObjectStore.destinationPath).toContain(name);
    expect(find(base, 'ScheduledBackup', `${name}-db-nightly`).spec.cluster.name).toBe(`${name}-db`);
    // The service and the migration Job read the URL CloudNativePG writes for the owner.
    const appSecret = { name: `${name}-db-app`, key: 'uri' };
    expect(envOf(deployment, databaseUrlEnv(name))).toEqual(appSecret);
    expect(envOf(find(base, 'Job', 'migrate'), databaseUrlEnv(name))).toEqual(appSecret);
    // Only its own service (and the migration Job, the instances, the operator) reach the database.
    const dbPolicy = find(base, 'NetworkPolicy', `${name}-db`);
    expect(dbPolicy.spec.podSelector.matchLabels).toEqual({ 'cnpg.io/cluster': `${name}-db` });
    const peers = dbPolicy.spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name']).filter(Boolean));
    expect(peers.sort()).toEqual(['migrate', name].sort());
    // Kafka login: the KafkaUser's name, its Secret's password.
    expect(envOf(deployment, 'KAFKA_SASL_PASSWORD')).toEqual({ name, key: 'password' });
  });

  it('the gateway has an autoscaler, a PodDisruptionBudget and a NetworkPolicy, and no database or Kafka access', () => {
    for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']) expect(find('k8s/base', kind, 'gateway'), kind).toBeDefined();
    expect(find('k8s/base', 'KafkaUser', 'gateway')).toBeUndefined();
    expect(find('k8s/base', 'Deployment', 'gateway').spec.template.metadata.labels['ebook-rental.io/kafka-client']).toBeUndefined();
  });
});

describe('k8s/base: network and Kafka permissions', () => {
  it('denies all traffic by default; only the gateway, the authorization server (user), the web client and the content server (reading) admit the ingress controller', () => {
    expect(find('k8s/base', 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const fromIngress = all('k8s/base', 'NetworkPolicy')
      .filter((p) =>
        (p.spec.ingress ?? []).some((r: any) => (r.from ?? []).some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx')),
      )
      .map((p) => p.metadata.name);
    expect(fromIngress.sort()).toEqual(['gateway', 'reading', 'user', 'web']);
  });

  it('the web client: static pods reachable only from the ingress controller, reaching nothing, its config from a ConfigMap', () => {
    const base = 'k8s/base';
    const deployment = find(base, 'Deployment', 'web');
    for (const kind of ['Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) expect(find(base, kind, 'web'), kind).toBeDefined();
    const policy = find(base, 'NetworkPolicy', 'web');
    expect([policy.spec.policyTypes, policy.spec.egress]).toEqual([['Ingress', 'Egress'], []]);
    expect(policy.spec.ingress).toHaveLength(1);
    const pod = deployment.spec.template.spec;
    expect([pod.securityContext.runAsNonRoot, pod.containers[0].securityContext.readOnlyRootFilesystem]).toEqual([true, true]);
    expect(pod.containers[0].image).toMatch(/^ghcr\.io\/ebook-rental\/web:/);
    expect(pod.volumes.find((v: any) => v.name === 'config').configMap.name).toBe('web');
    // One public host: / to the web client, /graphql to the gateway; the app's issuer, its CSP and the redirect URI name that host.
    for (const dir of ['k8s/base', ...OVERLAYS]) {
      const rule = find(dir, 'Ingress', 'gateway').spec.rules[0];
      const backend = (p: string) => rule.http.paths.find((x: any) => x.path === p).backend.service.name;
      expect([backend('/'), backend('/graphql')], dir).toEqual(['web', 'gateway']);
      // /content/ (reading links and uploads) on the same host, to the reading Service.
      const content = find(dir, 'Ingress', 'reading').spec;
      expect([content.rules[0].host, content.tls[0].hosts[0], content.rules[0].http.paths[0].path, content.rules[0].http.paths[0].backend.service.name], dir).toEqual([
        rule.host,
        rule.host,
        '/content',
        'reading',
      ]);
      const issuer = find(dir, 'ConfigMap', 'ebook-rental-config').data.JWT_ISSUER;
      expect(issuer, dir).toBe(`https://${rule.host}`);
      const web = find(dir, 'ConfigMap', 'web').data;
      expect(JSON.parse(web['config.json']), dir).toEqual({ issuer, clientId: 'ebook-web' });
      expect(web['security-headers.conf'], dir).toContain(`connect-src 'self' ${issuer};`);
      const user = find(dir, 'Deployment', 'user').spec.template.spec.containers[0].env as any[];
      expect(user.find((e) => e.name === 'OIDC_WEB_REDIRECT_URIS').value.split(','), dir).toContain(`${issuer}/callback`);
    }
  });

  it('Kafka admits only the services that have a KafkaUser (and KEDA), each with a login', () => {
    const listeners = find('k8s/base', 'Kafka', 'ebook-kafka').spec.kafka.listeners as any[];
    expect(listeners.map((l) => [l.authentication.type, l.networkPolicyPeers])).toEqual([
      [
        'scram-sha-512',
        [{ podSelector: { matchLabels: { 'ebook-rental.io/kafka-client': 'true' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } } }],
      ],
    ]);
    const clients = all('k8s/base', 'Deployment').filter((d) => d.spec.template.metadata.labels['ebook-rental.io/kafka-client'] === 'true');
    expect(clients.map((d) => d.metadata.name).sort()).toEqual(
      all('k8s/base', 'KafkaUser')
        .map((u) => u.metadata.name)
        .filter((n) => n !== 'keda')
        .sort(),
    );
  });

  it('every topic of the events library has a KafkaTopic and a dead-letter topic, replicated 3 times', () => {
    for (const topic of Object.values(TOPICS)) {
      for (const name of [topic, `${topic}.dlt`]) {
        const t = find('k8s/base', 'KafkaTopic', name);
        expect(t?.spec.replicas, name).toBe(3);
        expect(Number(t.spec.config['retention.ms'])).toBeGreaterThan(0);
      }
    }
  });

  it("each consumer group the autoscalers watch is one its service's KafkaUser may read, on topics that exist", () => {
    const topics = new Set(all('k8s/base', 'KafkaTopic').map((t) => t.metadata.name));
    const triggers = all('k8s/base', 'ScaledObject').flatMap((s) =>
      s.spec.triggers.filter((t: any) => t.type === 'kafka').map((t: any) => ({ service: s.spec.scaleTargetRef.name, ...t.metadata })),
    );
    expect(triggers.length).toBeGreaterThan(0);
    for (const t of triggers) {
      const acls = find('k8s/base', 'KafkaUser', t.service).spec.authorization.acls as { resource: { type: string; name: string }; operations: string[] }[];
      const may = (type: string, name: string, op: string) => acls.some((a) => a.resource.type === type && a.resource.name === name && a.operations.includes(op));
      expect(topics.has(t.topic), t.topic).toBe(true);
      expect(may('topic', t.topic, 'Read'), `${t.service} reads ${t.topic}`).toBe(true);
      expect(may('group', t.consumerGroup, 'Read'), `${t.service} joins ${t.consumerGroup}`).toBe(true);
      expect(may('topic', `${t.topic}.dlt`, 'Write'), `${t.service} dead-letters ${t.topic}`).toBe(true);
    }
  });
});

describe('k8s: traces to the OpenTelemetry Collector', () => {
  it.each(['k8s/base', ...OVERLAYS])('%s: every service Deployment exports OTLP to the collector under its own service name, with a sampler and resource attributes', (dir) => {
    const services = all(dir, 'Deployment').filter((d) => d.spec.template.metadata.labels['app.kubernetes.io/component'] === 'service');
    expect(services.map((d) => d.metadata.name).sort()).toEqual(['gateway', ...CONTEXTS].sort());
    const config = find(dir, 'ConfigMap', 'ebook-rental-config').data;
    const collector = find(dir, 'Service', 'otel-collector');
    const otlpPort = collector.spec.ports.find((p: any) => p.name === 'otlp-http').port;
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://otel-collector:${otlpPort}`);
    expect(config.OTEL_TRACES_SAMPLER).toMatch(/^parentbased_/);
    expect(config.OTEL_RESOURCE_ATTRIBUTES).toMatch(/(^|,)deployment\.environment\.name=\w+/);
    for (const d of services) {
      const container = d.spec.template.spec.containers[0];
      expect(
        container.envFrom.map((e: any) => e.configMapRef?.name),
        d.metadata.name,
      ).toContain('ebook-rental-config');
      expect(container.env.find((e: any) => e.name === 'OTEL_SERVICE_NAME')?.value, d.metadata.name).toBe(d.metadata.name);
    }
    // The collector receives OTLP/HTTP on that port and forwards to the backend of its ConfigMap.
    expect(find(dir, 'Deployment', 'otel-collector').spec.template.spec.containers[0].ports.find((p: any) => p.name === 'otlp-http').containerPort).toBe(otlpPort);
    expect(find(dir, 'ConfigMap', 'otel-collector').data['config.yaml']).toContain(`endpoint: 0.0.0.0:${otlpPort}`);
  });

  it('only the services reach the collector, and the services may reach it', () => {
    const policy = find('k8s/base', 'NetworkPolicy', 'otel-collector');
    expect(policy.spec.ingress.flatMap((r: any) => r.from)).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'service' } } }]);
    const egress = find('k8s/base', 'NetworkPolicy', 'services-to-otel-collector').spec;
    expect([egress.podSelector.matchLabels, egress.egress[0].to[0].podSelector.matchLabels]).toEqual([
      { 'app.kubernetes.io/component': 'service' },
      { 'app.kubernetes.io/name': 'otel-collector' },
    ]);
  });
});

describe('k8s: secrets stay out of ConfigMaps; Redis', () => {
  const SECRET_KEY = /pass(word)?|secret|token|credential|private|(^|_)keys?$/i;
  const SECRET_VALUE = [/[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:[^\s/@]+@/i, /"d"\s*:/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/];

  it.each(['k8s/base', ...OVERLAYS])('%s: no ConfigMap holds a password, token, key or a URL with credentials', (dir) => {
    const found = all(dir, 'ConfigMap').flatMap((c) =>
      Object.entries((c.data ?? {}) as Record<string, string>)
        .filter(([k, v]) => SECRET_KEY.test(k) || SECRET_VALUE.some((re) => re.test(v)))
        .map(([k]) => `${c.metadata.name}/${k}`),
    );
    expect(found).toEqual([]);
    expect(SECRET_VALUE[0]!.test('redis://:hunter2@redis:6379')).toBe(true); // the check sees a password in a URL
  });

  it.each(['k8s/base', ...OVERLAYS])('%s: REDIS_URL reaches the gateway and user from the Secret only; Redis admits only them', (dir) => {
    const withRedis = all(dir, 'Deployment').filter((d) => (d.spec.template.spec.containers[0].env ?? []).some((e: any) => e.name === 'REDIS_URL'));
    expect(withRedis.map((d) => d.metadata.name).sort()).toEqual(['gateway', 'user']);
    for (const d of withRedis) expect(envOf(d, 'REDIS_URL'), d.metadata.name).toEqual({ name: 'ebook-rental-secrets', key: 'REDIS_URL' });
    for (const c of all(dir, 'ConfigMap')) expect(c.data?.REDIS_URL, c.metadata.name).toBeUndefined();
    const redis = find(dir, 'StatefulSet', 'redis').spec.template.spec.containers[0];
    expect(envOf({ spec: { template: { spec: { containers: [redis] } } } }, 'REDIS_PASSWORD')).toEqual({ name: 'ebook-rental-secrets', key: 'REDIS_PASSWORD' });
    expect(redis.command.join(' ')).not.toContain('--requirepass'); // not on the command line
    const policy = find(dir, 'NetworkPolicy', 'redis');
    const peers = policy.spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name']));
    expect([peers.sort(), policy.spec.egress]).toEqual([['gateway', 'user'], []]);
    expect(find(dir, 'NetworkPolicy', 'redis-clients').spec.podSelector.matchExpressions[0].values.sort()).toEqual(['gateway', 'user']);
  });
});

describe('k8s overlays', () => {
  it('dev: one replica per service, single-instance databases without backups, one Kafka node, replication 1', () => {
    const dev = 'k8s/overlays/dev';
    for (const h of all(dev, 'HorizontalPodAutoscaler')) expect([h.spec.minReplicas, h.spec.maxReplicas], h.metadata.name).toEqual([1, 1]);
    for (const s of all(dev, 'ScaledObject')) expect([s.spec.minReplicaCount, s.spec.maxReplicaCount], s.metadata.name).toEqual([1, 1]);
    for (const c of all(dev, 'Cluster')) expect([c.spec.instances, c.spec.backup]).toEqual([1, undefined]);
    expect(all(dev, 'ScheduledBackup')).toEqual([]);
    expect(all(dev, 'KafkaNodePool').map((p) => [p.spec.replicas, p.spec.roles])).toEqual([[1, ['controller', 'broker']]]);
    for (const t of all(dev, 'KafkaTopic')) expect(t.spec.replicas).toBe(1);
  });

  it('prod: at least 2 replicas everywhere, HA databases with backups, 3 brokers and 3 controllers, replication 3', () => {
    const prod = 'k8s/overlays/prod';
    expect(all(prod, 'HorizontalPodAutoscaler').length + all(prod, 'ScaledObject').length).toBe(all(prod, 'Deployment').length);
    for (const h of all(prod, 'HorizontalPodAutoscaler')) expect(h.spec.minReplicas).toBeGreaterThanOrEqual(h.metadata.name === 'gateway' || h.metadata.name === 'user' ? 3 : 2);
    for (const s of all(prod, 'ScaledObject')) expect(s.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
    for (const c of all(prod, 'Cluster')) expect([c.spec.instances >= 3, c.spec.postgresql.synchronous.number]).toEqual([true, 1]);
    expect(all(prod, 'ScheduledBackup')).toHaveLength(all(prod, 'Cluster').length);
    expect(all(prod, 'KafkaNodePool').map((p) => [p.metadata.name, p.spec.replicas])).toEqual([
      ['broker', 3],
      ['controller', 3],
    ]);
    for (const t of all(prod, 'KafkaTopic')) expect(t.spec.replicas).toBe(3);
    for (const name of ['gateway', 'web']) expect(find(prod, 'Deployment', name).spec.template.spec.containers[0].image).not.toMatch(/:latest$/);
  });
});
