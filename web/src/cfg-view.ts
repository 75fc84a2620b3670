/**
 * The control-flow graph in the page: the SVG the worker laid out with
 * dagre, in a viewport with zoom (buttons, +/- keys, Ctrl+wheel), pan (drag,
 * arrow keys), search (edges that carry a syscall) and "follow" (the path
 * the emulator's run took).
 */
import { cfgPath, type CfgShape } from '../../src/core/index.js';

export class CfgView {
  private svg: SVGSVGElement | undefined;
  private w0 = 0;
  private h0 = 0;
  private zoom = 1;
  private graph: CfgShape | undefined;
  private drag: { x: number; y: number; l: number; t: number } | undefined;

  constructor(private readonly el: HTMLElement, private readonly zoomLabel: HTMLElement) {
    el.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      this.drag = { x: e.clientX, y: e.clientY, l: el.scrollLeft, t: el.scrollTop };
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener('pointermove', (e) => {
      if (!this.drag) return;
      el.scrollLeft = this.drag.l - (e.clientX - this.drag.x);
      el.scrollTop = this.drag.t - (e.clientY - this.drag.y);
    });
    const end = () => (this.drag = undefined);
    el.addEventListener('pointerup', end);
    el.addEventListener('pointercancel', end);
    el.addEventListener('wheel', (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      this.setZoom(this.zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15));
    }, { passive: false });
    el.addEventListener('keydown', (e) => {
      const step = 60;
      if (e.key === '+' || e.key === '=') this.setZoom(this.zoom * 1.25);
      else if (e.key === '-') this.setZoom(this.zoom / 1.25);
      else if (e.key === 'ArrowLeft') el.scrollLeft -= step;
      else if (e.key === 'ArrowRight') el.scrollLeft += step;
      else if (e.key === 'ArrowUp') el.scrollTop -= step;
      else if (e.key === 'ArrowDown') el.scrollTop += step;
      else return;
      e.preventDefault();
    });
  }

  /** Shows a graph (or a message). */
  show(svg: string | undefined, graph: CfgShape | undefined, message = ''): void {
    this.graph = graph;
    if (svg === undefined) {
      this.el.innerHTML = `<p class="muted">${message}</p>`;
      this.svg = undefined;
      return;
    }
    this.el.innerHTML = svg;
    this.svg = this.el.querySelector('svg') ?? undefined;
    if (!this.svg) return;
    this.svg.setAttribute('role', 'img');
    this.w0 = Number(this.svg.getAttribute('width'));
    this.h0 = Number(this.svg.getAttribute('height'));
    this.fit();
  }

  get empty(): boolean {
    return !this.svg;
  }

  setZoom(z: number): void {
    if (!this.svg) return;
    // Keep the centre of the view in place.
    const cx = (this.el.scrollLeft + this.el.clientWidth / 2) / this.zoom;
    const cy = (this.el.scrollTop + this.el.clientHeight / 2) / this.zoom;
    this.zoom = Math.min(3, Math.max(0.05, z));
    this.svg.setAttribute('width', String(Math.round(this.w0 * this.zoom)));
    this.svg.setAttribute('height', String(Math.round(this.h0 * this.zoom)));
    this.el.scrollLeft = cx * this.zoom - this.el.clientWidth / 2;
    this.el.scrollTop = cy * this.zoom - this.el.clientHeight / 2;
    this.zoomLabel.textContent = `${Math.round(this.zoom * 100)}%`;
  }

  zoomBy(f: number): void {
    this.setZoom(this.zoom * f);
  }

  /** Fits the width (never above 100 %), and shows the top. */
  fit(): void {
    if (!this.svg) return;
    this.setZoom(Math.min(1, Math.max(0.05, (this.el.clientWidth - 8) / (this.w0 || 1))));
    this.el.scrollTop = 0;
  }

  /** Centres an element of the drawing in the view. */
  private centre(g: Element): void {
    const b = g.getBoundingClientRect();
    const v = this.el.getBoundingClientRect();
    this.el.scrollLeft += b.left - v.left - v.width / 2 + b.width / 2;
    this.el.scrollTop += b.top - v.top - v.height / 2 + b.height / 2;
  }

  /** Highlights the edges that carry a syscall (and the nodes they lead to); returns how many. */
  find(name: string): number {
    if (!this.svg) return 0;
    for (const n of this.svg.querySelectorAll('.found')) n.classList.remove('found');
    if (!name) return 0;
    const edges = [...this.svg.querySelectorAll(`g.edge[data-syscalls~="${CSS.escape(name)}"]`)];
    for (const e of edges) {
      e.classList.add('found');
      this.svg.querySelector(`g.node[id="n${e.getAttribute('data-to')}"]`)?.classList.add('found');
    }
    if (edges[0]) {
      if (this.zoom < 0.6) this.setZoom(0.8);
      this.centre(edges[0]);
    }
    return edges.length;
  }

  /** Highlights the nodes and edges an executed path went through; undefined clears. */
  follow(path: readonly number[] | undefined, centre = false): void {
    if (!this.svg) return;
    for (const n of this.svg.querySelectorAll('.hit, .ret')) n.classList.remove('hit', 'ret');
    if (!path || !this.graph) return;
    const walk = cfgPath(this.graph, path);
    walk.nodes.forEach((id, i) => {
      const g = this.svg!.querySelector(`g.node[id="n${id}"]`);
      g?.classList.add('hit');
      if (i === walk.nodes.length - 1) g?.classList.add('ret');
    });
    for (const e of walk.edges) this.svg.querySelector(`g.edge[id="e${e}"]`)?.classList.add('hit');
    const last = this.svg.querySelector('g.node.ret');
    if (centre && last) this.centre(last);
  }

  /** Marks the nodes holding some of `pcs` (linked highlighting). */
  link(pcs: ReadonlySet<number>): void {
    if (!this.svg || !this.graph) return;
    for (const n of this.svg.querySelectorAll('g.node.linked')) n.classList.remove('linked');
    if (!pcs.size) return;
    for (const n of this.graph.nodes) if (n.kind !== 'return' && n.pcs.some((pc) => pcs.has(pc))) this.svg.querySelector(`g.node[id="n${n.id}"]`)?.classList.add('linked');
  }
}
