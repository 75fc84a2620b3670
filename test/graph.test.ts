/**
 * `syswall graph`: the decision map (default) and the control-flow graph.
 * The map of Docker's default must fit in 2,000 px, be drawn at a readable
 * size and name every syscall the filter allows (checked against the
 * interpreter, not against the map's own data); the graph's collapsed
 * switches must send every syscall where the program sends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectCleanError, ROOT, runCli } from './helpers/cli.js';
import { libseccompBytes, DOCKER_PROFILE } from './helpers/libseccomp.js';
import { ARCHES, type ArchInfo } from '../src/core/arch/arches.js';
import { syscallTable } from '../src/core/arch/syscalls.js';
import { actionName } from '../src/core/bpf/actions.js';
import { decodeProgram } from '../src/core/bpf/codec.js';
import { runProgram, traceProgram } from '../src/core/bpf/interpreter.js';
import type { Instruction } from '../src/core/bpf/instruction.js';
import { loadInput } from '../src/core/input/load.js';
import { buildCfg, cfgPath } from '../src/core/analyze/graph.js';
import { layoutCfg } from '../src/core/analyze/cfg-layout.js';

const DOCKER = join(ROOT, 'data', 'profiles', 'docker-default.json');
const dir = mkdtempSync(join(tmpdir(), 'syswall-graph-'));
let libseccompDocker: string;
beforeAll(() => {
  libseccompDocker = join(dir, 'docker2.bpf');
  writeFileSync(libseccompDocker, libseccompBytes({ docker: { profile: DOCKER_PROFILE, arch: 'amd64' }, optimize: 2 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses an SVG with Python's ElementTree: root size, font sizes, and per map section the text of its cells. */
function readSvg(file: string): { width: number; height: number; fontSizes: number[]; cells: Record<string, string[]>; edges: string[] } {
  const script = `
import json, sys, xml.etree.ElementTree as E
ns = '{http://www.w3.org/2000/svg}'
root = E.parse(sys.argv[1]).getroot()
sizes = set()
for el in root.iter():
    fs = el.get('font-size')
    if fs: sizes.add(float(fs))
cells = {}
for g in root.iter(ns + 'g'):
    if g.get('class') == 'arch':
        names = []
        for c in g.iter(ns + 'g'):
            if (c.get('class') or '').startswith('cell'):
                t = c.find('.//' + ns + 'text')
                names.append(''.join(t.itertext()))
        cells[g.get('data-arch')] = names
edges = [g.get('data-syscalls') or '' for g in root.iter(ns + 'g') if g.get('class') == 'edge']
print(json.dumps({'width': float(root.get('width')), 'height': float(root.get('height')), 'fontSizes': sorted(sizes), 'cells': cells, 'edges': edges}))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`not well-formed XML: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const isAllow = (v: number) => actionName(v) === 'ALLOW';

/** Syscalls of `arch` the program allows for some argument value among a few probes (0, and each single argument all ones). */
function allowedByInterpreter(program: Instruction[], arch: ArchInfo): string[] {
  const probes: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
  for (let i = 0; i < 6; i++) {
    const a = [0n, 0n, 0n, 0n, 0n, 0n];
    a[i] = 0xffffffffn;
    probes.push(a);
  }
  return syscallTable(arch).filter(({ nr }) => probes.some((args) => isAllow(runProgram(program, { nr, arch: arch.token, args }, arch.endian)))).map((e) => e.name);
}

describe('syswall graph --view map (the default)', () => {
  it("Docker's default: at most 2,000 px wide, fonts of 11 px or more, every allowed syscall named in its arch's section", () => {
    const out = join(dir, 'docker-map.svg');
    const r = runCli(['graph', DOCKER, '-o', out, '--kernel', '6.1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const svg = readSvg(out);
    expect(svg.width).toBeLessThanOrEqual(2000);
    expect(Math.min(...svg.fontSizes)).toBeGreaterThanOrEqual(11);
    expect(Object.keys(svg.cells)).toEqual(['x86_64', 'x32', 'x86']);
    const program = loadInput(readFileSync(DOCKER), { context: { arch: 'x86_64', kernel: [6, 1] } }).program;
    for (const arch of [ARCHES.x86_64, ARCHES.x32, ARCHES.x86]) {
      const named = new Set(svg.cells[arch.name].map((t) => t.replace(/^\d+ /, '').replace(/ ▸$/, '')));
      const allowed = allowedByInterpreter(program, arch);
      expect(allowed.length, arch.name).toBeGreaterThan(250);
      const missing = allowed.filter((n) => !named.has(n));
      expect(missing, arch.name).toEqual([]);
    }
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('every other arch (bad arch): KILL');
    expect(text).toContain('decisions that depend on arguments');
    // Numbers no syscall has: ERRNO(38) (ENOSYS) with syswall's default --enosys unknown.
    expect(text).toMatch(/numbers no syscall has/);
    expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    // As a user runs it, with no flag at all (this machine's kernel): the same bound, every arch.
    const plain = join(dir, 'docker-plain.svg');
    expect(runCli(['graph', DOCKER, '-o', plain]).status).toBe(0);
    const p = readSvg(plain);
    expect(p.width).toBeLessThanOrEqual(2000);
    expect(Object.keys(p.cells)).toEqual(['x86_64', 'x32', 'x86']);
  });

  it('HTML (search, zoom) and JSON', () => {
    const html = join(dir, 'map.html');
    expect(runCli(['graph', DOCKER, '-o', html]).status).toBe(0);
    const h = readFileSync(html, 'utf8');
    expect(h).toContain('<svg');
    expect(h).toContain('id="q"');
    expect(h).not.toMatch(/<script[^>]*src=|<link /);
    const j = JSON.parse(runCli(['graph', DOCKER, '-o', '-', '--format', 'json', '--arch', 'x86_64']).stdout);
    expect(j.arches.map((a: { arch: string }) => a.arch)).toEqual(['x86_64']);
    const mkdir = j.arches[0].cells.find((c: { name: string }) => c.name === 'mkdir');
    expect(mkdir).toMatchObject({ nr: 83, action: 'ALLOW', conditional: false });
    const clone = j.arches[0].cells.find((c: { name: string }) => c.name === 'clone');
    expect(clone.conditional).toBe(true);
    expect(j.arches[0].trees.some((t: { syscalls: string[] }) => t.syscalls.includes('clone'))).toBe(true);
    expect(j.otherArches).toBe('KILL');
  });
});

describe('syswall graph --view cfg', () => {
  it('collapses the syscall dispatch: every syscall leaves the switch on the edge that names it (checked with the interpreter)', () => {
    for (const file of [libseccompDocker, DOCKER]) {
      const program = file.endsWith('.bpf') ? decodeProgram(readFileSync(file)) : loadInput(readFileSync(file), { context: { arch: 'x86_64', kernel: [6, 1] } }).program;
      const cfg = buildCfg(program);
      expect(cfg.nodes.length).toBeLessThan(cfg.blockCount / 5);
      let checked = 0;
      for (const { name, nr } of syscallTable(ARCHES.x86_64)) {
        const tr = traceProgram(program, { nr, arch: ARCHES.x86_64.token });
        expect(tr.ok).toBe(true);
        // Walk the path node by node; at the nr switch, the edge taken must name the syscall.
        const walk = cfgPath(cfg, tr.path);
        expect(walk.edges.length, name).toBe(walk.nodes.length - 1);
        const nodes = walk.nodes;
        walk.edges.forEach((ei, i) => {
          const edge = cfg.edges[ei];
          expect(edge.from).toBe(nodes[i]);
          expect(edge.to).toBe(nodes[i + 1]);
          const from = cfg.nodes[edge.from];
          if (from.kind !== 'switch' || from.word !== 'nr') return;
          expect(edge.syscalls, `${name} in ${file}`).toContain(name);
          checked++;
        });
        // The last node is a return leaf with the action the program returns.
        const last = cfg.nodes[nodes[nodes.length - 1]];
        expect(last.action).toBe(actionName(tr.action!));
      }
      expect(checked).toBeGreaterThan(300);
    }
  });

  it('lays out without overlapping nodes, inside the drawing, and writes SVG, DOT, HTML and JSON', () => {
    const program = decodeProgram(readFileSync(libseccompDocker));
    const cfg = buildCfg(program);
    const lay = layoutCfg(cfg);
    expect(lay.engine).toMatch(/^dagre/);
    for (let i = 0; i < lay.nodes.length; i++) {
      const a = lay.nodes[i];
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.y).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(lay.width + 0.5);
      expect(a.y + a.height).toBeLessThanOrEqual(lay.height + 0.5);
      for (let j = i + 1; j < lay.nodes.length; j++) {
        const b = lay.nodes[j];
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap, `nodes ${i} and ${j}`).toBe(false);
      }
    }
    const svgFile = join(dir, 'cfg.svg');
    expect(runCli(['graph', libseccompDocker, '--view', 'cfg', '-o', svgFile]).status).toBe(0);
    const svg = readSvg(svgFile);
    expect(svg.edges.some((e) => e.includes(' mkdir '))).toBe(true);
    const text = readFileSync(svgFile, 'utf8');
    for (const s of ['switch on nr', 'switch on arch', 'return ALLOW', 'return ERRNO(1)', 'return KILL']) expect(text).toContain(s);
    const dot = runCli(['graph', libseccompDocker, '--view', 'cfg', '-o', '-', '--format', 'dot']);
    expect(dot.stdout).toMatch(/^digraph "docker2.bpf" \{/);
    expect(dot.stdout).toMatch(/label="[^"]*\bread, write\b/);
    const html = join(dir, 'cfg.html');
    expect(runCli(['graph', libseccompDocker, '--view', 'cfg', '-o', html]).status).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('id="zoom"');
    const j = JSON.parse(runCli(['graph', libseccompDocker, '--view', 'cfg', '-o', '-', '--format', 'json']).stdout);
    expect(j.nodes.length).toBe(j.layout.nodes.length);
    expect(j.edges.length).toBe(j.layout.edges.length);
  });

  it('bad usage: one line, exit 2', () => {
    expect(expectCleanError(runCli(['graph', DOCKER, '-o', '-', '--view', 'tree']))).toMatch(/unknown view "tree"/);
    expect(expectCleanError(runCli(['graph', DOCKER, '-o', join(dir, 'm.dot')]))).toMatch(/DOT is a graph format/);
    expect(expectCleanError(runCli(['graph', DOCKER]))).toMatch(/missing -o/);
  });
});
