/**
 * Layout of a control-flow graph with dagre (layered, Sugiyama-style: rank
 * assignment, crossing reduction, coordinate assignment, edge labels placed
 * as dummy nodes). dagre was chosen over ELK (elkjs) and Graphviz compiled to
 * WASM after measuring all three on real filters (docs/graph.md,
 * `node bench/graph-layout.mjs`): similar quality on our collapsed graphs, a
 * synchronous API, and 17 KiB gzipped against 470 KiB (ELK) and 630 KiB
 * (Graphviz).
 *
 * This module is not exported from src/core/index.ts, so the core bundle does
 * not carry dagre: the CLI imports it directly and the playground loads it
 * lazily (dynamic import in its worker) when the CFG view is first shown.
 */
import dagre from '@dagrejs/dagre';
import { SyswallError } from '../errors.js';
import { cfgLayoutInput, type Cfg, type CfgLayout } from './graph.js';

/** Graphs with more nodes are refused: layout time grows fast and the picture is unreadable anyway. */
export const MAX_LAYOUT_NODES = 800;

/** Lays out a graph top to bottom. Throws GRAPH_TOO_LARGE above {@link MAX_LAYOUT_NODES} nodes. */
export function layoutCfg(cfg: Cfg): CfgLayout {
  if (cfg.nodes.length > MAX_LAYOUT_NODES) {
    throw new SyswallError('GRAPH_TOO_LARGE', `the control-flow graph has ${cfg.nodes.length} nodes after collapsing (limit ${MAX_LAYOUT_NODES}); a layout that large is unreadable`, {
      kind: 'input',
      hint: 'draw the decision map instead (--view map), or write DOT (--format dot) for Graphviz',
    });
  }
  const input = cfgLayoutInput(cfg);
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 36, edgesep: 10, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of input.nodes) g.setNode(String(n.id), { width: n.width, height: n.height });
  input.edges.forEach((e, i) => {
    g.setEdge(String(e.from), String(e.to), { width: e.labelWidth, height: e.labelHeight, labelpos: 'c' }, `e${i}`);
  });
  dagre.layout(g);
  const graph = g.graph();
  return {
    engine: `dagre ${dagre.version}`,
    width: graph.width ?? 0,
    height: graph.height ?? 0,
    nodes: input.nodes.map((n) => {
      const v = g.node(String(n.id));
      return { x: v.x - n.width / 2, y: v.y - n.height / 2, width: n.width, height: n.height };
    }),
    edges: input.edges.map((e, i) => {
      const v = g.edge({ v: String(e.from), w: String(e.to), name: `e${i}` });
      const points = (v.points ?? []).map((p: { x: number; y: number }) => [p.x, p.y] as const);
      return { points, ...(e.labelWidth && v.x !== undefined && v.y !== undefined ? { label: { x: v.x - e.labelWidth / 2, y: v.y - e.labelHeight / 2 } } : {}) };
    }),
  };
}
