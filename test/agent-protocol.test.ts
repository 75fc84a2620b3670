/** The agent protocol's pure parts: finding the message's end, reading it, ids, names for log lines. */
import { describe, expect, it } from 'vitest';
import { escapeControls, logValue, ObjectScanner, parseContainerState, podRef, validContainerId } from '../src/node/agent-protocol.js';
import { formatAgentEvent, jsonAgentEvent } from '../src/node/agent.js';

// What runc 1.1.5 and crun 1.8.1 sent on this machine (ids and pids changed).
const RUNC_MSG = '{"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":9012,"metadata":"hello meta","state":{"ociVersion":"1.0.2-dev","id":"t3","status":"creating","pid":9012,"bundle":"/tmp/b","annotations":{"io.kubernetes.pod.name":"mypod","io.kubernetes.pod.namespace":"ns1"}}}';
const CRUN_MSG = '{\n    "ociVersion": "0.2.0",\n    "fds": [\n        "seccompFd"\n    ],\n    "pid": 13089,\n    "metadata": "hello meta",\n    "state": {\n        "ociVersion": "0.2.0",\n        "id": "t9",\n        "status": "creating",\n        "pid": 13089,\n        "bundle": "/tmp/b2",\n        "annotations": {\n            "io.kubernetes.pod.name": "mypod"\n        }\n    }\n}\n';

function scanChunks(chunks: string[]): number | undefined | { error: string } {
  const s = new ObjectScanner();
  let buf = Buffer.alloc(0);
  let r: number | undefined | { error: string };
  for (const c of chunks) {
    buf = Buffer.concat([buf, Buffer.from(c)]);
    r = s.scan(buf);
    if (r !== undefined) return r;
  }
  return undefined;
}

describe('ObjectScanner', () => {
  it('finds the end of runc\'s and crun\'s messages, also when they arrive a byte at a time', () => {
    expect(scanChunks([RUNC_MSG])).toBe(Buffer.byteLength(RUNC_MSG));
    expect(scanChunks([...CRUN_MSG])).toBe(Buffer.byteLength(CRUN_MSG) - 1); // the trailing newline is not part of the object
  });
  it('braces and quotes inside strings do not count; escapes are followed', () => {
    const m = '{"a": "}{\\"}", "b": ["]"], "c": "\\\\"}';
    expect(JSON.parse(m)).toBeTruthy();
    expect(scanChunks([m + 'TRAILING'])).toBe(m.length);
  });
  it('waits for more while incomplete; says at once when the bytes cannot be an object', () => {
    expect(scanChunks(['{"fds": [', '"seccompFd"'])).toBeUndefined();
    expect(scanChunks(['  \n hello'])).toEqual({ error: 'expected a JSON object, got "h" at byte 4' });
    expect(scanChunks(['\x00\x01'])).toEqual({ error: 'expected a JSON object, got byte 0x00 at byte 0' });
    expect(scanChunks(['{"a": "x\ny"}'])).toEqual({ error: 'control character 0xa inside a JSON string at byte 8' });
    expect(scanChunks(['{"a":' + '['.repeat(70)])).toEqual({ error: 'JSON nested more than 64 levels deep' });
  });
});

describe('parseContainerState', () => {
  it('reads what runc and crun send', () => {
    expect(parseContainerState(Buffer.from(RUNC_MSG))).toEqual({
      ociVersion: '1.0.2-dev', fds: ['seccompFd'], pid: 9012, metadata: 'hello meta',
      state: { ociVersion: '1.0.2-dev', id: 't3', status: 'creating', pid: 9012, bundle: '/tmp/b', annotations: { 'io.kubernetes.pod.name': 'mypod', 'io.kubernetes.pod.namespace': 'ns1' } },
    });
    expect(parseContainerState(Buffer.from(CRUN_MSG.trim()))).toMatchObject({ fds: ['seccompFd'], state: { id: 't9' } });
  });
  it('names what is wrong', () => {
    const bad = (s: string) => (parseContainerState(Buffer.from(s)) as { error: string }).error;
    expect(bad('{"fds": [1]}')).toBe('"fds" must be an array of fd names');
    expect(bad('{"fds": [], "state": {"id": ""}}')).toBe('"state.id" must be a non-empty string');
    expect(bad('{"fds": []}')).toBe('"state" must be an object (the container state)');
    expect(bad('{"fds": [], "pid": -3, "state": {"id": "x"}}')).toBe('"pid" must be a positive integer');
    expect(bad('{"fds": [], "metadata": 7, "state": {"id": "x"}}')).toBe('"metadata" must be a string');
    expect(bad('{"fds": [], "state": {"id": "x", "annotations": {"k": 1}}}')).toBe('"state.annotations" value of "k" must be a string');
    expect(bad('{"fds": [], "state": {"id": "x"}} x')).toMatch(/^garbage JSON: /);
    expect((parseContainerState(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])) as { error: string }).error).toMatch(/^garbage JSON: /);
  });
});

describe('container ids and names', () => {
  it('accepts runc\'s ids and nothing that could leave the record directory', () => {
    for (const id of ['abc', 'sw-explain-12-1', 'a.b_c+d', '0123456789abcdef'.repeat(4), 'x'.repeat(128)]) expect(validContainerId(id), id).toBe(true);
    for (const id of ['', '.', '..', '.hidden', '../etc/passwd', 'a/b', 'a\\b', 'a b', 'a\nb', 'x'.repeat(129), 'café', 'a\0b']) expect(validContainerId(id), JSON.stringify(id)).toBe(false);
  });
  it('pod, namespace and container from containerd\'s CRI annotations and from CRI-O\'s', () => {
    expect(podRef({ 'io.kubernetes.cri.sandbox-name': 'web-1', 'io.kubernetes.cri.sandbox-namespace': 'shop', 'io.kubernetes.cri.container-name': 'nginx' })).toEqual({ pod: 'web-1', namespace: 'shop', container: 'nginx' });
    expect(podRef({ 'io.kubernetes.pod.name': 'web-2', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.container.name': 'app' })).toEqual({ pod: 'web-2', namespace: 'shop', container: 'app' });
    expect(podRef({})).toEqual({});
  });
  it('a value a container controls cannot end a line or forge a field', () => {
    expect(logValue('runc')).toBe('runc');
    expect(logValue('evil\n2026 syswall agent: forged')).toBe('"evil\\n2026 syswall agent: forged"');
    expect(logValue('a] [pid 1')).toBe('"a] [pid 1"');
    expect(logValue('\u2028x\u0085')).toBe('"\\u2028x\\u0085"');
    expect(escapeControls('a\u007fb')).toBe('a\\u007fb');
    const line = formatAgentEvent({ event: 'denied', container: { id: 'c1', pod: 'p\nq' }, comm: 'x\ny', call: { pid: 5, arch: 'x86_64', syscall: 'mkdir', nr: 83, args: [], text: 'mkdir("/a\\n", 0777)', action: 'ERRNO(EPERM)', by: 'default action', outcome: '= -1 EPERM (Operation not permitted)' } });
    expect(line).not.toContain('\n');
    expect(line).toBe('syswall agent: [c1 pod "p\\nq"] [pid 5 "x\\ny"] mkdir("/a\\n", 0777) = -1 EPERM (Operation not permitted) (ERRNO(EPERM) by default action)');
    const json = jsonAgentEvent({ event: 'bad-peer', peer: { pid: 1, uid: 0, comm: 'a\u2028b' }, reason: 'x' }, new Date(0));
    expect(json).toBe('{"time":"1970-01-01T00:00:00.000Z","event":"bad-peer","peer":{"pid":1,"uid":0,"comm":"a\\u2028b"},"reason":"x"}');
  });
});
