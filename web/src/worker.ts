/**
 * The playground's worker: every heavy computation (reading and compiling
 * the input, the exact analyses, the graph layout, share-link encoding) runs
 * here, off the page's thread. The page cancels a request that a newer one
 * makes stale by terminating this worker and starting another (client.ts),
 * so a request here simply runs to completion.
 *
 * The layout engine (dagre) is not part of the core bundle: it is imported
 * on the first `cfg` request only.
 */
import { cfgToSvg, graphInput } from '../../src/core/index.js';
import { analyzeFull, buildProgram, diff, emulateSteps, toProblem, type BuildResult } from './engine.js';
import { decodeState, encodeState } from './state.js';
import type { InputState, Requests, Results, WorkerRequest, WorkerResponse } from './protocol.js';

let last: { key: string; result: BuildResult } | undefined;

/** Builds A, reusing the last build when the input is the same. */
function build(input: InputState): BuildResult {
  const key = `${input.mode}\u0000${input.arch}\u0000${input.kernel}\u0000${input.pick}\u0000${input.text}`;
  if (last?.key !== key) last = { key, result: buildProgram(input.text, input.mode, input.arch, input.kernel, input.pick) };
  return last.result;
}

type Handler<T extends keyof Requests> = (req: Requests[T]) => Results[T] | Promise<Results[T]>;

const handlers: { [T in keyof Requests]: Handler<T> } = {
  analyze: ({ input }) => {
    const b = build(input);
    if (!b.ok) return { ok: false, error: b.error };
    return { ok: true, result: analyzeFull(b.built, input.text) };
  },
  cfg: async ({ input }) => {
    const b = build(input);
    if (!b.ok) return { ok: false, error: b.error };
    try {
      const { layoutCfg } = await import('../../src/core/analyze/cfg-layout.js');
      const cfg = graphInput(b.built.loaded);
      const layout = layoutCfg(cfg);
      return {
        ok: true,
        svg: cfgToSvg(cfg, layout, 'control-flow graph'),
        blocks: cfg.blockCount,
        engine: layout.engine,
        graph: { nodes: cfg.nodes.map((n) => ({ id: n.id, kind: n.kind, pcs: n.pcs })), edges: cfg.edges.map((e) => ({ from: e.from, to: e.to })) },
      };
    } catch (e) {
      return { ok: false, error: toProblem(e) };
    }
  },
  emu: ({ input, emu }) => {
    const b = build(input);
    if (!b.ok) return { ok: false, error: { code: 'NO_PROGRAM', message: 'no program: input A has an error' } };
    return emulateSteps(b.built, emu);
  },
  diff: ({ input, b: textB }) => {
    const a = build(input);
    if (!a.ok) return { ok: false, side: 'A', error: a.error };
    const b = buildProgram(textB, 'auto', input.arch, input.kernel);
    if (!b.ok) return { ok: false, side: 'B', error: b.error };
    const d = diff(a.built, b.built);
    return d.ok ? d : { ok: false, side: 'A', error: d.error };
  },
  encode: ({ state }) => encodeState(state),
  decode: ({ hash }) => decodeState(hash),
};

self.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const req = ev.data;
  let msg: WorkerResponse;
  try {
    const handler = handlers[req.type] as Handler<typeof req.type>;
    msg = { id: req.id, ok: true, result: await handler(req as never) };
  } catch (e) {
    msg = { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  (self as unknown as { postMessage(m: WorkerResponse): void }).postMessage(msg);
};
