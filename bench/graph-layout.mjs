// Compares three graph-layout engines on syswall's collapsed control-flow
// graphs: dagre (@dagrejs/dagre, the one syswall uses), ELK (elkjs, layered)
// and Graphviz dot compiled to WASM (@hpcc-js/wasm-graphviz). Same node and
// label sizes for all (cfgLayoutInput); reports layout time (median of 5
// runs after a warm-up), drawing size, edge crossings, node/label overlaps,
// and each engine's browser bundle (minified file, gzip -9).
//
//   npm run build && node bench/graph-layout.mjs
//
// Inputs: Docker's default compiled by syswall, and by libseccomp (python3-seccomp)
// at optimisation levels 1 and 2.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import dagre from '@dagrejs/dagre';
import ELK from 'elkjs/lib/elk.bundled.js';
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { loadInput } from '../dist/core/input/load.js';
import { buildCfg, cfgLayoutInput } from '../dist/core/analyze/graph.js';
import { decodeProgram } from '../dist/core/bpf/codec.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function libseccomp(optimize) {
  const spec = JSON.stringify({ docker: { profile: join(ROOT, 'test/fixtures/docker-default.json'), arch: 'amd64' }, optimize });
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/helpers/libseccomp_export.py')], { input: spec, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python3-seccomp needed: ${r.stderr}`);
  return decodeProgram(new Uint8Array(r.stdout));
}

const inputs = [
  ['Docker default, syswall', loadInput(readFileSync(join(ROOT, 'data/profiles/docker-default.json')), { context: { arch: 'x86_64', kernel: [6, 1] } }).program],
  ['Docker default, libseccomp -O1', libseccomp(1)],
  ['Docker default, libseccomp -O2', libseccomp(2)],
];

function dagreLayout(inp) {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 36, edgesep: 10, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of inp.nodes) g.setNode(String(n.id), { width: n.width, height: n.height });
  inp.edges.forEach((e, i) => g.setEdge(String(e.from), String(e.to), { width: e.labelWidth, height: e.labelHeight, labelpos: 'c' }, `e${i}`));
  dagre.layout(g);
  const G = g.graph();
  return {
    width: G.width, height: G.height,
    nodes: inp.nodes.map((n) => { const v = g.node(String(n.id)); return { x: v.x - n.width / 2, y: v.y - n.height / 2, w: n.width, h: n.height }; }),
    edges: inp.edges.map((e, i) => { const v = g.edge({ v: String(e.from), w: String(e.to), name: `e${i}` }); return { points: v.points.map((p) => [p.x, p.y]), label: e.labelWidth ? { x: v.x - e.labelWidth / 2, y: v.y - e.labelHeight / 2, w: e.labelWidth, h: e.labelHeight } : undefined }; }),
  };
}

const elk = new ELK();
async function elkLayout(inp) {
  const r = await elk.layout({
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'DOWN', 'elk.spacing.nodeNode': '22', 'elk.layered.spacing.nodeNodeBetweenLayers': '36', 'elk.edgeLabels.placement': 'CENTER' },
    children: inp.nodes.map((n) => ({ id: `n${n.id}`, width: n.width, height: n.height })),
    edges: inp.edges.map((e, i) => ({ id: `e${i}`, sources: [`n${e.from}`], targets: [`n${e.to}`], labels: e.labelWidth ? [{ text: 'l', width: e.labelWidth, height: e.labelHeight }] : [] })),
  });
  const byId = new Map(r.children.map((c) => [c.id, c]));
  return {
    width: r.width, height: r.height,
    nodes: inp.nodes.map((n) => { const c = byId.get(`n${n.id}`); return { x: c.x, y: c.y, w: c.width, h: c.height }; }),
    edges: r.edges.map((e) => { const s = e.sections[0]; const l = e.labels?.[0]; return { points: [[s.startPoint.x, s.startPoint.y], ...(s.bendPoints ?? []).map((p) => [p.x, p.y]), [s.endPoint.x, s.endPoint.y]], label: l ? { x: l.x, y: l.y, w: l.width, h: l.height } : undefined }; }),
  };
}

let gv;
async function graphvizLayout(inp) {
  gv ??= await Graphviz.load();
  const lines = ['digraph g { graph [rankdir=TB, nodesep=0.3, ranksep=0.5]; node [shape=box, fixedsize=true, label=""];'];
  for (const n of inp.nodes) lines.push(`n${n.id} [width=${n.width / 72}, height=${n.height / 72}];`);
  inp.edges.forEach((e, i) => {
    const lab = e.labelWidth ? `, label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="0" fixedsize="true" width="${Math.ceil(e.labelWidth)}" height="${Math.ceil(e.labelHeight)}"><tr><td></td></tr></table>>` : '';
    lines.push(`n${e.from} -> n${e.to} [id=e${i}${lab}];`);
  });
  lines.push('}');
  const json = JSON.parse(gv.layout(lines.join('\n'), 'json', 'dot'));
  const [, , W, H] = json.bb.split(',').map(Number);
  const objs = new Map(json.objects.map((o) => [o.name, o]));
  const edgesById = new Map(json.edges.map((e) => [e.id, e]));
  return {
    width: W, height: H,
    nodes: inp.nodes.map((n) => { const [x, y] = objs.get(`n${n.id}`).pos.split(',').map(Number); return { x: x - n.width / 2, y: H - y - n.height / 2, w: n.width, h: n.height }; }),
    edges: inp.edges.map((ie, i) => {
      const e = edgesById.get(`e${i}`) ?? json.edges[i];
      const points = e.pos.replace(/^e,[^ ]+ /, '').split(' ').map((p) => { const [x, y] = p.split(',').map(Number); return [x, H - y]; });
      let label;
      if (e.lp) { const [x, y] = e.lp.split(',').map(Number); label = { x: x - ie.labelWidth / 2, y: H - y - ie.labelHeight / 2, w: ie.labelWidth, h: ie.labelHeight }; }
      return { points, label };
    }),
  };
}

/** Proper crossings between polyline segments of different edges. */
function crossings(edges) {
  const segs = [];
  edges.forEach((e, i) => { for (let j = 0; j + 1 < e.points.length; j++) segs.push([i, e.points[j], e.points[j + 1]]); });
  const o = (p, q, r) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  let n = 0;
  for (let i = 0; i < segs.length; i++) {
    for (let j = i + 1; j < segs.length; j++) {
      if (segs[i][0] === segs[j][0]) continue;
      const [, a, b] = segs[i];
      const [, c, d] = segs[j];
      if (o(a, b, c) * o(a, b, d) < 0 && o(c, d, a) * o(c, d, b) < 0) n++;
    }
  }
  return n;
}

function overlaps(r) {
  const boxes = [...r.nodes, ...r.edges.map((e) => e.label).filter(Boolean)];
  let n = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i];
    const b = boxes[j];
    if (a.x < b.x + b.w - 0.5 && b.x < a.x + a.w - 0.5 && a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5) n++;
  }
  return n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const engines = [['dagre', dagreLayout], ['ELK', elkLayout], ['Graphviz', graphvizLayout]];

console.log('| input | nodes / edges | engine | layout ms (median of 5) | size px | crossings | overlaps |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, program] of inputs) {
  const cfg = buildCfg(program);
  const inp = cfgLayoutInput(cfg);
  for (const [engine, fn] of engines) {
    await fn(inp); // warm-up (loads the WASM for Graphviz)
    const times = [];
    let r;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      r = await fn(inp);
      times.push(performance.now() - t0);
    }
    console.log(`| ${name} (${program.length} insns) | ${inp.nodes.length} / ${inp.edges.length} | ${engine} | ${median(times).toFixed(1)} | ${Math.round(r.width)} x ${Math.round(r.height)} | ${crossings(r.edges)} | ${overlaps(r)} |`);
  }
}

console.log('\n| engine | browser file | minified | gzip -9 |');
console.log('|---|---|---|---|');
for (const [engine, file] of [['dagre', '@dagrejs/dagre/dist/dagre.min.js'], ['ELK', 'elkjs/lib/elk.bundled.js'], ['Graphviz', '@hpcc-js/wasm-graphviz/dist/index.js']]) {
  const path = join(ROOT, 'node_modules', file);
  const bytes = readFileSync(path);
  console.log(`| ${engine} | ${file} | ${(bytes.length / 1024).toFixed(0)} KiB | ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(0)} KiB |`);
}
