/**
 * Offline checks of the Kubernetes manifests: render a kustomization with `kubectl kustomize` and
 * validate every rendered object against its schema (sources and versions: k8s/README.md, "Validation").
 *
 * - Built-in kinds: the Kubernetes OpenAPI schemas compiled into the npm package `kubernetes-models`
 *   (`kubernetes-models/<group>/<version>/<Kind>`: types, enums, formats, required fields), and no
 *   field unknown to the models of the official client `@kubernetes/client-node` (generated from the
 *   same OpenAPI; the OpenAPI schemas themselves do not forbid unknown fields, the API server's
 *   strict field validation does).
 * - KEDA (`keda.sh`) and Prometheus Operator (`monitoring.coreos.com`): `@kubernetes-models/keda` and
 *   `@kubernetes-models/prometheus-operator`, same layout.
 * - Strimzi (`kafka.strimzi.io`) and CloudNativePG (`postgresql.cnpg.io`): the CRD schemas vendored in
 *   `k8s/schemas/<group>/<kind>_<version>.json` (written by `pnpm k8s:schemas`), checked with ajv.
 *
 * A kind with no schema is an error: nothing is waved through.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as clientModels from '@kubernetes/client-node';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A rendered Kubernetes object (the fields every object has; the rest is unchecked here). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Renders a kustomization directory (relative to the repository root) with `kubectl kustomize`.
 * @throws Error with kubectl's stderr when the kustomization does not build, or when kubectl is missing.
 */
export async function renderKustomization(dir: string): Promise<K8sObject[]> {
  const { stdout } = await promisify(execFile)('kubectl', ['kustomize', path.join(root, dir)], { maxBuffer: 64 * 1024 * 1024 }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new Error('kubectl is not on PATH: install kubectl 1.32+ (`.ci/run` shows how)') : err;
  });
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** npm packages of `kubernetes-models` by API group (built-in groups: the package `kubernetes-models` itself). */
const MODEL_PACKAGES: Record<string, string> = { 'keda.sh': '@kubernetes-models/keda', 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };

// strict: false, because CRD schemas carry `x-kubernetes-*` keywords that ajv does not know.
const ajv = addFormats.default(new Ajv({ strict: false, allErrors: true }));
const crdValidators = new Map<string, ValidateFunction>();

function crdSchemaFile(group: string, version: string, kind: string): string {
  return path.join(root, 'k8s/schemas', group, `${kind.toLowerCase()}_${version}.json`);
}

function ajvErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}

/** A model class of `@kubernetes/client-node`: its fields (JSON name, TypeScript type). */
type ClientModel = { getAttributeTypeMap(): { baseName: string; type: string }[] };

function clientModel(type: string): ClientModel | undefined {
  const model = (clientModels as unknown as Record<string, Partial<ClientModel> | undefined>)[type];
  return typeof model?.getAttributeTypeMap === 'function' ? (model as ClientModel) : undefined;
}

/** The fields of `value` (at `pointer`) that the client model `type` does not have, recursively. */
function unknownFields(value: unknown, type: string, pointer: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  const item = /^Array<(.+)>$/.exec(type)?.[1];
  if (item) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, item, `${pointer}/${i}`)) : [];
  const entry = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (entry) return Object.entries(value).flatMap(([k, v]) => unknownFields(v, entry, `${pointer}/${k}`));
  const model = clientModel(type);
  if (!model || Array.isArray(value)) return []; // a scalar type (string, IntOrString, Date, any)
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => {
    const fieldType = fields.get(k);
    return fieldType ? unknownFields(v, fieldType, `${pointer}/${k}`) : [`${pointer || '/'} has unknown field ${k}`];
  });
}

/**
 * The schema errors of one object (`[]` when it is valid), each as `<json pointer> <message>`.
 * An object whose kind has no schema yields one error saying so.
 */
export async function validateObject(obj: K8sObject): Promise<string[]> {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return ['/ apiVersion and kind must be strings'];
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const schemaFile = crdSchemaFile(group!, version!, obj.kind);
  if (existsSync(schemaFile)) {
    const validate = crdValidators.get(schemaFile) ?? ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
    crdValidators.set(schemaFile, validate);
    return validate(obj) ? [] : ajvErrors(validate);
  }
  const pkg = group === '' || group!.endsWith('.k8s.io') || !group!.includes('.') ? 'kubernetes-models' : MODEL_PACKAGES[group!];
  const module = pkg && (await import(`${pkg}/${group ? `${group}/` : ''}${version}/${obj.kind}`).catch(() => undefined));
  const Model = module?.[obj.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (!Model) return [`/ no schema for ${obj.apiVersion} ${obj.kind}`];
  const errors: string[] = [];
  try {
    new Model(obj).validate();
  } catch (err) {
    const found = (err as { errors?: { instancePath: string; message?: string }[] }).errors;
    errors.push(...(found ? found.map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`) : [String(err)]));
  }
  if (pkg === 'kubernetes-models') {
    // `apps/v1` Deployment -> V1Deployment, `autoscaling/v2` HorizontalPodAutoscaler -> V2HorizontalPodAutoscaler.
    const type = `${version![0]!.toUpperCase()}${version!.slice(1)}${obj.kind}`;
    errors.push(...(clientModel(type) ? unknownFields(obj, type, '') : [`/ no field list for ${obj.apiVersion} ${obj.kind}`]));
  }
  return errors;
}

/** Every schema error of `objects`, each prefixed with `<Kind>/<name>`. */
export async function validateObjects(objects: K8sObject[]): Promise<string[]> {
  const all = await Promise.all(objects.map(async (o) => (await validateObject(o)).map((e) => `${o.kind}/${o.metadata?.name ?? '?'}: ${e}`)));
  return all.flat();
}
