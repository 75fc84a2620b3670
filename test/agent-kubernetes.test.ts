/**
 * Kubernetes: syswall's SPO SeccompProfile output passes the Security
 * Profiles Operator's published CRD schema (test/fixtures/spo, validated
 * with ajv), including routed profiles for the agent; and the manifests in
 * docs/kubernetes.md parse and agree with each other.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHES } from '../src/core/arch/arches.js';
import { syscallNumber } from '../src/core/arch/syscalls.js';
import { exportSyswall } from '../src/core/formats/export.js';
import { Recording, recordingToPolicy } from '../src/core/policy/recording.js';
import { ROOT, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'syswall-agent-k8s-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const crd = parseAllDocuments(readFileSync(join(ROOT, 'test', 'fixtures', 'spo', 'seccompprofile.crd.yaml'), 'utf8'))[0].toJS() as {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: object } }[] };
};

function validator(version: string): ValidateFunction {
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) throw new Error(`no ${version} in the CRD`);
  // OpenAPI v3 as Kubernetes uses it: x-kubernetes-* extensions (ignored by strict: false) and the int32/int64/date-time formats.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  return ajv.compile(v.schema.openAPIV3Schema);
}
const v1 = validator('v1');
const v1beta1 = validator('v1beta1');

function spo(file: string, name: string, extra: string[] = []): Record<string, any> {
  const r = runCli(['convert', file, '--to', 'spo', '--name', name, ...extra]);
  if (r.status !== 0) throw new Error(r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  expect(docs).toHaveLength(1);
  return docs[0];
}

function check(obj: Record<string, any>): void {
  expect(obj.apiVersion).toBe(`${crd.spec.group}/v1`);
  expect(obj.kind).toBe(crd.spec.names.kind);
  expect(v1(obj), JSON.stringify(v1.errors)).toBe(true);
  expect(v1beta1({ ...obj, apiVersion: `${crd.spec.group}/v1beta1` }), JSON.stringify(v1beta1.errors)).toBe(true);
}

describe('SPO SeccompProfile output against the operator\'s CRD schema', () => {
  it('Docker\'s default profile', () => {
    const o = spo(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'docker-default');
    expect(o.spec.syscalls.length).toBeGreaterThan(1);
    check(o);
  });

  it('a profile recorded by syswall (with argument conditions)', () => {
    const rec = new Recording();
    const x64 = ARCHES.x86_64;
    for (const n of ['read', 'write', 'openat', 'close', 'execve', 'exit_group', 'mmap', 'futex']) rec.add(x64, x64.token, syscallNumber(x64, n)!, [0n, 0n, 3n, 0n, 0n, 0n]);
    rec.add(x64, x64.token, syscallNumber(x64, 'socket')!, [2n, 1n, 0n, 0n, 0n, 0n]);
    rec.add(x64, x64.token, syscallNumber(x64, 'socket')!, [10n, 0x80002n, 0n, 0n, 0n, 0n]);
    const file = join(dir, 'recorded.json');
    writeFileSync(file, exportSyswall(recordingToPolicy(rec, { args: true, command: 'test' })));
    const o = spo(file, 'recorded');
    expect(JSON.stringify(o.spec.syscalls)).toContain('"args"');
    check(o);
  });

  it('a routed profile for the agent, with its listenerPath under /var/run/security-profiles-operator and its listenerMetadata', () => {
    const out = join(dir, 'routed.json');
    const c = runCli(['compile', join(ROOT, 'data', 'profiles', 'docker-default.json'), '--for-agent', 'explain', '--listener-path', '/var/run/security-profiles-operator/syswall-agent.sock', '-o', out]);
    expect(c.status, c.stderr).toBe(0);
    const o = spo(out, 'web-explain');
    expect(o.spec.listenerPath).toBe('/var/run/security-profiles-operator/syswall-agent.sock');
    expect(o.spec.listenerMetadata).toMatch(/^syswall-agent\/1 /);
    expect(o.spec.syscalls.some((s: { action: string }) => s.action === 'SCMP_ACT_NOTIFY')).toBe(true);
    check(o);
    // The same profile with the usual socket path is one the operator refuses: its CRD pins listenerPath.
    expect(v1({ ...o, spec: { ...o.spec, listenerPath: '/var/run/syswall/agent.sock' } })).toBe(false);
  });

  it('the schema is really applied: broken objects are refused (the control)', () => {
    const o = spo(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'docker-default');
    const broken = [
      { ...o, spec: { ...o.spec, defaultAction: 'SCMP_ACT_NOPE' } },
      { ...o, spec: { ...o.spec, architectures: ['SCMP_ARCH_Z80'] } },
      { ...o, spec: { ...o.spec, syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW' }] } },
      { ...o, spec: { ...o.spec, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: -1, value: 0, op: 'SCMP_CMP_EQ' }] }] } },
      { ...o, spec: { ...o.spec, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: Array.from({ length: 7 }, (_, i) => ({ index: i % 6, value: 0, op: 'SCMP_CMP_EQ' })) }] } },
      { ...o, spec: { ...o.spec, listenerPath: '/tmp/agent.sock' } },
      { ...o, spec: { ...o.spec, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] } },
    ];
    for (const b of broken) expect(v1(b), JSON.stringify(b.spec).slice(0, 200)).toBe(false);
  });
});

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: any;
}

describe('docs/kubernetes.md manifests', () => {
  const md = readFileSync(join(ROOT, 'docs', 'kubernetes.md'), 'utf8');
  const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  const objects: K8sObject[] = blocks.flatMap((b) => parseAllDocuments(b).map((d) => {
    expect(d.errors, String(d.errors)).toEqual([]);
    return d.toJS() as K8sObject;
  }));

  it('parse as Kubernetes objects', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const o of objects) {
      expect(typeof o.apiVersion).toBe('string');
      expect(typeof o.kind).toBe('string');
      expect(typeof o.metadata?.name).toBe('string');
    }
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'DaemonSet', 'Pod']);
  });

  it('the DaemonSet runs the agent in the host pid namespace on host paths, and installs the profiles the Pod uses', () => {
    const ds = objects.find((o) => o.kind === 'DaemonSet')!;
    expect(ds.apiVersion).toBe('apps/v1');
    const pod = ds.spec.template.spec;
    expect(ds.spec.selector.matchLabels).toEqual(ds.spec.template.metadata.labels);
    expect(pod.hostPID).toBe(true);
    const agent = pod.containers.find((c: { name: string }) => c.name === 'agent');
    const arg = (flag: string) => agent.args[agent.args.indexOf(flag) + 1];
    expect(agent.args[0]).toBe('agent');
    const volume = (name: string) => pod.volumes.find((v: { name: string }) => v.name === name);
    const mountOf = (c: { volumeMounts: { name: string; mountPath: string }[] }, path: string) => c.volumeMounts.find((m) => path === m.mountPath || path.startsWith(m.mountPath + '/'));
    // The socket's directory is the same path on the host (runc connects there) and in the container.
    const sock = arg('--socket');
    const sm = mountOf(agent, sock)!;
    expect(volume(sm.name).hostPath.path).toBe(sm.mountPath);
    const rm = mountOf(agent, arg('--record'))!;
    expect(volume(rm.name).hostPath).toBeTruthy();
    // The profiles land in the kubelet's seccomp directory under syswall/, where the Pod's localhostProfile points.
    const init = pod.initContainers[0];
    const seccomp = init.volumeMounts.find((m: { name: string }) => volume(m.name).hostPath?.path === '/var/lib/kubelet/seccomp');
    expect(init.command.join(' ')).toContain(`${seccomp.mountPath}/syswall/`);
    expect(volume(init.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/profiles').name).configMap.name).toBe(objects.find((o) => o.kind === 'ConfigMap')!.metadata.name);
    const p = objects.find((o) => o.kind === 'Pod')!;
    expect(p.spec.containers[0].securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'syswall/web-explain.json' });
    // And the compile line in the doc writes profiles with that socket as listenerPath.
    expect(md).toContain(`--listener-path ${sock}`);
  });
});
