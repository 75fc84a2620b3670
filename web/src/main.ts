/**
 * The playground page. It only reads inputs and renders: every computation
 * runs in a Web Worker (worker.ts, through client.ts), with the same core
 * calls as the CLI (web/src/engine.ts). Each input has its own debounce;
 * panels that an edit makes stale are marked "updating" until the result
 * for the latest input arrives, and results for older inputs are dropped.
 */
import './styles.css';
import dockerDefault from '../../data/profiles/docker-default.json?raw';
// The policy shown on a first visit (examples/playground-sample.json; test/playground-engine.test.ts lints and runs it).
import SAMPLE from '../../examples/playground-sample.json?raw';
import { encodeProgram, hexText, looksLikeText, SYSCALL_NAMES, type DiffReport, type ExplainReport, type PolicyLintReport } from '../../src/core/index.js';
import { Cancelled, WorkerChannel } from './client.js';
import { CfgView } from './cfg-view.js';
import { createEditor } from './editor.js';
import { ARCH_CHOICES, INPUT_MODES, type InputMode, type InputProblem, type Stats } from './engine.js';
import { findInMap, openTree, renderMap } from './map-view.js';
import type { AnalysisResult, CfgOutput, DiffOutput, EmuOutput, InputState, Links, ListingRow } from './protocol.js';
import { DEFAULT_STATE, type State } from './state.js';


// ---------------------------------------------------------------- elements

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const isProblem = (x: unknown): x is InputProblem => typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('findings' in x) && !('arches' in x);
const hex32 = (n: number) => '0x' + (n >>> 0).toString(16);

const el = {
  error: $('error'),
  warnings: $('warnings'),
  detected: $('detected'),
  mode: $<HTMLSelectElement>('mode'),
  arch: $<HTMLSelectElement>('arch'),
  kernel: $<HTMLInputElement>('kernel'),
  pick: $<HTMLInputElement>('pick'),
  status: $('status'),
  banner: $('banner'),
  shareLink: $<HTMLInputElement>('share-link'),
  upload: $<HTMLInputElement>('upload'),
  disasm: $('disasm'),
  explain: $('explain'),
  lint: $('lint'),
  stats: $('stats'),
  map: $('map'),
  cfg: $('cfg'),
  find: $<HTMLInputElement>('find'),
  findStatus: $('find-status'),
  tabMap: $<HTMLButtonElement>('tab-map'),
  tabCfg: $<HTMLButtonElement>('tab-cfg'),
  emuArch: $<HTMLSelectElement>('emu-arch'),
  emuSyscall: $<HTMLInputElement>('emu-syscall'),
  emuIp: $<HTMLInputElement>('emu-ip'),
  emuArgs: [0, 1, 2, 3, 4, 5].map((i) => $<HTMLInputElement>(`emu-arg${i}`)),
  emuAction: $<HTMLOutputElement>('emu-action'),
  emuDetail: $('emu-detail'),
  emuSteps: $('emu-steps'),
  stepPos: $('step-pos'),
  stepRegs: $('step-regs'),
  stepBody: $('step-table').querySelector('tbody')!,
  diffInput: $<HTMLTextAreaElement>('diff-input'),
  diffResult: $('diff-result'),
};
const panels = {
  program: $('program-panel'),
  explain: $('explain-panel'),
  lint: $('lint-panel'),
  stats: $('stats-panel'),
  picture: $('picture-panel'),
  emu: $('emu-panel'),
  diff: $('diff-panel'),
};
type PanelName = keyof typeof panels;

el.mode.innerHTML = INPUT_MODES.map((m) => `<option value="${esc(m.value)}">${esc(m.label)}</option>`).join('');
for (const sel of [el.arch, el.emuArch]) sel.innerHTML = ARCH_CHOICES.map((a) => `<option>${esc(a)}</option>`).join('');
$('syscall-names').innerHTML = SYSCALL_NAMES.map((n) => `<option value="${n}">`).join('');

const cfgView = new CfgView(el.cfg, $('zoom-level'));
const newWorker = () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const analysisChannel = new WorkerChannel(newWorker);
const diffChannel = new WorkerChannel(newWorker);
const utilChannel = new WorkerChannel(newWorker);

// ---------------------------------------------------------------- page state

/** Bumped by every edit of an input; a result is shown only if its versions are still current. */
const version = { input: 0, diff: 0, emu: 0 };
let analysis: { v: number; input: InputState; result: AnalysisResult } | undefined;
let inputError: { v: number; problem: InputProblem } | undefined;
let emuOut: EmuOutput | undefined;
let emuStep = 0;
let cfgShown: { v: number } | undefined;
let ready = false;
let editorLoading = false;

const stale = new Set<PanelName>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();

function setStale(names: PanelName[], on: boolean): void {
  for (const n of names) {
    if (on) stale.add(n);
    else stale.delete(n);
    panels[n].classList.toggle('stale', on);
    panels[n].setAttribute('aria-busy', String(on));
  }
  updateBusy();
}

function updateBusy(): void {
  const busy = !ready || editorLoading || timers.size > 0 || stale.size > 0 || analysisChannel.busy || diffChannel.busy;
  if (busy) document.body.dataset.busy = '1';
  else delete document.body.dataset.busy;
  if (busy && ready) el.status.textContent = 'updating…';
  else if (ready && el.status.textContent === 'updating…') el.status.textContent = statusLine();
}
analysisChannel.onBusy = updateBusy;
diffChannel.onBusy = updateBusy;

function statusLine(): string {
  if (inputError) return 'input error';
  if (!analysis) return '';
  const b = analysis.result.build;
  return `${b.length} instructions · ${b.arches.join(', ')}`;
}

/** One debounce per input. */
function debounce(key: string, ms: number, fn: () => void): void {
  clearTimeout(timers.get(key));
  timers.set(key, setTimeout(() => {
    timers.delete(key);
    fn();
    updateBusy();
  }, ms));
  updateBusy();
}

function inputState(): InputState {
  return { text: editor.text(), mode: el.mode.value as InputMode, arch: el.arch.value, kernel: el.kernel.value, pick: el.pick.value };
}

function pageState(): State {
  return {
    text: editor.text(), mode: el.mode.value as InputMode, arch: el.arch.value, kernel: el.kernel.value, pick: el.pick.value,
    emu: { arch: el.emuArch.value, syscall: el.emuSyscall.value, ip: el.emuIp.value, args: el.emuArgs.map((i) => i.value) },
    diffText: el.diffInput.value,
  };
}

const ignoreCancel = (e: unknown) => {
  if (!(e instanceof Cancelled)) showBanner(`internal error: ${e instanceof Error ? e.message : String(e)}`);
};

function showBanner(text: string | undefined): void {
  el.banner.hidden = !text;
  el.banner.textContent = text ?? '';
}

// ---------------------------------------------------------------- editor

const editor = createEditor({
  parent: $('editor'),
  label: 'policy, assembly or hex input (A)',
  onChange: () => inputChanged(),
  onLoading: (on) => {
    editorLoading = on;
    if (on) setStale(['program', 'explain', 'lint', 'stats', 'picture', 'emu', 'diff'], true);
    updateBusy();
  },
});

function inputChanged(): void {
  version.input++;
  setStale(['program', 'explain', 'lint', 'stats', 'picture', 'emu', 'diff'], true);
  debounce('input', 250, runAnalysis);
  scheduleHash();
}

// ---------------------------------------------------------------- analysis of A

function runAnalysis(): void {
  const v = version.input;
  const input = inputState();
  if (!input.text.trim()) {
    analysis = undefined;
    inputError = undefined;
    showError(undefined);
    clearPanels('Enter an input on the left.');
    setStale(['program', 'explain', 'lint', 'stats', 'picture'], false);
    el.detected.textContent = '';
    requestEmu();
    requestDiff();
    return;
  }
  analysisChannel.request('analyze', { input }).then((r) => {
    if (v !== version.input) return;
    if (!r.ok) {
      analysis = undefined;
      inputError = { v, problem: r.error };
      showError(r.error);
      el.detected.textContent = '';
      clearPanels('No program: the input has an error (see below the editor).');
    } else {
      inputError = undefined;
      analysis = { v, input, result: r.result };
      showError(undefined);
      el.status.textContent = statusLine();
      void renderAnalysis(r.result, v);
      return;
    }
    setStale(['program', 'explain', 'lint', 'stats', 'picture'], false);
    el.status.textContent = statusLine();
    requestEmu();
    requestDiff();
  }, ignoreCancel);
}

function clearPanels(why: string): void {
  const msg = `<p class="muted">${esc(why)}</p>`;
  for (const p of [el.disasm, el.explain, el.lint, el.stats, el.map]) p.innerHTML = msg;
  el.warnings.innerHTML = '';
  cfgView.show(undefined, undefined, esc(why));
  cfgShown = undefined;
  linkRules = [];
}

function showError(p: InputProblem | undefined): void {
  editor.mark(p?.line, []);
  el.error.hidden = !p;
  el.error.dataset.line = p?.line !== undefined ? String(p.line) : '';
  if (!p) {
    el.error.textContent = '';
    return;
  }
  const where = p.line !== undefined ? `line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''}: ` : '';
  el.error.innerHTML = `<span class="msg">${esc(where + stripLocation(p.message))}${p.hint ? `\nhint: ${esc(p.hint)}` : ''}</span>${p.line !== undefined ? ` <button type="button" class="goto">go to line ${p.line}</button>` : ''}`;
  // Bring a far-away error into view, unless the user is typing in the editor.
  if (p.line !== undefined && !editor.focused()) editor.reveal(p.line);
  if (!editor.focused()) el.error.scrollIntoView({ block: 'nearest' });
}

el.error.addEventListener('click', (ev) => {
  if (!(ev.target as HTMLElement).classList.contains('goto')) return;
  const line = Number(el.error.dataset.line);
  editor.reveal(line, true);
  editor.view.focus();
});

/** The core prefixes messages with `file:line:col: `; the page shows the line itself. */
function stripLocation(message: string): string {
  return message.replace(/^(policy|input|<inline>|line)\s*:?\s*\d+(:\d+)?:\s*/, '');
}

/** One task per panel, so rendering a large result never blocks the page for long. */
const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));

async function renderAnalysis(r: AnalysisResult, v: number): Promise<void> {
  const b = r.build;
  const current = () => v === version.input;
  el.detected.textContent = `(${el.mode.value === 'auto' ? 'detected: ' : ''}${b.mode === 'policy' ? `policy, ${b.kind}` : b.kind})`;
  el.warnings.innerHTML = [...(b.settings ? [`settings: ${b.settings}`] : []), ...b.warnings].map((w) => `<li>${esc(w)}</li>`).join('');
  linkRules = r.links.rules.map((x) => x);
  linkData = r.links;
  renderListing(r.listing);
  setStale(['program'], false);
  await frame();
  if (!current()) return;
  renderExplain(r.explain);
  setStale(['explain'], false);
  await frame();
  if (!current()) return;
  renderLint(r.lint);
  renderStats(r.stats, b);
  setStale(['lint', 'stats'], false);
  requestEmu();
  requestDiff();
  await frame();
  if (!current()) return;
  cfgShown = undefined;
  if (cfgVisible()) requestCfg();
  if (isProblem(r.map)) {
    el.map.innerHTML = `<div class="error">${esc(r.map.message)}</div>`;
    if (!cfgVisible()) setStale(['picture'], false);
  } else if (await renderMap(el.map, r.map, current)) {
    if (el.find.value) findInMap(el.map, el.find.value.trim());
    if (!cfgVisible()) setStale(['picture'], false);
  }
}

function renderListing(rows: readonly ListingRow[] | InputProblem): void {
  if (isProblem(rows)) {
    el.disasm.innerHTML = `<div class="error">${esc(rows.message)}</div>`;
    return;
  }
  const pad = (n: number) => String(n).padStart(4, '0');
  el.disasm.innerHTML = rows.map((l) => `<div class="row${l.reachable ? '' : ' unreach'}" data-pc="${l.pc}"${l.reachable ? '' : ' title="unreachable"'}><span class="pc">${pad(l.pc)}</span><span class="bytes">${l.hex}</span><span class="text">${esc(l.text)}</span></div>`).join('');
}

function renderExplain(report: ExplainReport | InputProblem): void {
  if (isProblem(report)) {
    el.explain.innerHTML = `<div class="error">${esc(report.message)}</div>`;
    return;
  }
  const parts: string[] = [];
  for (const a of report.arches) {
    if (a.constant) {
      parts.push(`<div class="explain-arch">${esc(a.arch)}: <code>${esc(a.constant.text)}</code></div>`);
      continue;
    }
    parts.push(`<div class="explain-arch">${esc(a.arch)}</div><div class="scroll"><table class="explain" data-arch="${esc(a.arch)}"><thead><tr><th scope="col">decision</th><th scope="col">syscalls</th></tr></thead><tbody>`);
    for (const r of a.rows) {
      const names = r.other ? `<i>&lt;other syscalls&gt;</i>` : esc(r.syscalls.join(', '));
      parts.push(`<tr data-syscalls=" ${esc(r.syscalls.join(' '))} " tabindex="-1"><td class="act">${esc(r.decision.text)}</td><td class="names">${names}</td></tr>`);
    }
    parts.push('</tbody></table></div>');
  }
  el.explain.innerHTML = parts.join('');
}

function renderLint(report: PolicyLintReport | InputProblem): void {
  if (isProblem(report)) {
    el.lint.innerHTML = `<div class="error">${esc(report.message)}</div>`;
    return;
  }
  if (!report.findings.length) {
    el.lint.innerHTML = '<p class="muted">No findings.</p>';
    return;
  }
  el.lint.innerHTML = report.findings.map((f) => {
    const loc = f.location;
    const where = [loc.line !== undefined ? `line ${loc.line}` : undefined, loc.arch, loc.syscall, loc.pc !== undefined ? `instruction ${loc.pc}` : undefined].filter(Boolean).join(' · ');
    return `<div class="finding" data-code="${esc(f.code)}"${loc.line !== undefined ? ` data-line="${loc.line}"` : ''}${loc.syscall ? ` data-syscall="${esc(loc.syscall)}"` : ''}${loc.pc !== undefined ? ` data-pc="${loc.pc}"` : ''}><span class="sev ${f.severity}">${f.severity}</span> <b>${esc(f.code)}</b>${where ? ` <span class="where">(${esc(where)})</span>` : ''}: <span class="msg">${esc(f.message)}</span>${f.hint ? `<div class="hint">hint: ${esc(f.hint)}</div>` : ''}</div>`;
  }).join('');
}

function renderStats(s: Stats, b: AnalysisResult['build']): void {
  const rows: [string, string][] = [
    ['input', b.mode === 'policy' ? `policy (${b.kind})` : b.kind],
    ['arches', b.arches.join(', ')],
    ['length', `${s.length} instructions (${s.bytes} bytes)${s.length > 4096 ? ' — over the kernel limit of 4096!' : ''}`],
    ['build time', `${s.buildMs.toFixed(1)} ms`],
    ...(s.decisions !== undefined ? [['decisions', String(s.decisions)] as [string, string]] : []),
    ['basic blocks', `${s.blocks} (${s.returns} returns)`],
  ];
  let html = `<div class="scroll"><table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table></div>`;
  if (s.perArch.length) {
    html += `<p class="muted">Instructions executed per syscall (every syscall of the arch's table, arguments 0):</p><div class="scroll"><table><thead><tr><th scope="col">arch</th><th scope="col">syscalls</th><th scope="col">min</th><th scope="col">mean</th><th scope="col">max</th><th scope="col">slowest</th></tr></thead><tbody>`;
    html += s.perArch.map((p) => `<tr><td>${esc(p.arch)}</td><td>${p.syscalls}</td><td>${p.min}</td><td>${p.mean.toFixed(1)}</td><td>${p.max}</td><td><code>${esc(p.worst)}</code></td></tr>`).join('');
    html += '</tbody></table></div>';
  }
  el.stats.innerHTML = html;
}

// ---------------------------------------------------------------- picture: map and CFG

const cfgVisible = () => !el.cfg.hidden;

function selectTab(cfg: boolean): void {
  el.tabMap.setAttribute('aria-selected', String(!cfg));
  el.tabCfg.setAttribute('aria-selected', String(cfg));
  el.tabMap.tabIndex = cfg ? -1 : 0;
  el.tabCfg.tabIndex = cfg ? 0 : -1;
  el.map.hidden = cfg;
  el.cfg.hidden = !cfg;
  for (const n of document.querySelectorAll<HTMLElement>('.cfg-only')) n.hidden = !cfg;
  if (cfg && analysis && (!cfgShown || cfgShown.v !== analysis.v)) requestCfg();
  runFind();
}

function requestCfg(): void {
  if (!analysis) return;
  const v = analysis.v;
  setStale(['picture'], true);
  analysisChannel.request('cfg', { input: analysis.input }).then((r: CfgOutput) => {
    if (v !== version.input) return;
    cfgShown = { v };
    if (r.ok) {
      cfgView.show(r.svg, r.graph);
      el.cfg.setAttribute('aria-label', `control-flow graph, ${r.graph.nodes.length} nodes (${r.blocks} basic blocks collapsed), laid out by ${r.engine}; arrow keys pan, + and - zoom`);
      if (emuOut?.ok) cfgView.follow(emuOut.steps.slice(0, emuStep + 1).map((s) => s.pc));
      runFind();
    } else cfgView.show(undefined, undefined, esc(r.error.message) + (r.error.hint ? `<br>hint: ${esc(r.error.hint)}` : ''));
    setStale(['picture'], false);
  }, ignoreCancel);
}

for (const [tab, cfg] of [[el.tabMap, false], [el.tabCfg, true]] as const) {
  tab.addEventListener('click', () => selectTab(cfg));
  tab.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const other = cfg ? el.tabMap : el.tabCfg;
    selectTab(!cfg);
    other.focus();
  });
}

function runFind(): void {
  const name = el.find.value.trim();
  const n = cfgVisible() ? cfgView.find(name) : findInMap(el.map, name);
  el.findStatus.textContent = !name ? '' : n ? `${n} ${cfgVisible() ? 'edge' : 'cell'}${n > 1 ? 's' : ''}` : 'not found';
}
el.find.addEventListener('input', () => debounce('find', 150, runFind));
el.find.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    runFind();
  }
});
el.map.addEventListener('click', (e) => {
  const cell = (e.target as HTMLElement).closest<HTMLElement>('.cell.cond');
  if (cell?.dataset.tree) openTree(el.map, cell.dataset.tree);
});
$('zoom-in').addEventListener('click', () => cfgView.zoomBy(1.25));
$('zoom-out').addEventListener('click', () => cfgView.zoomBy(1 / 1.25));
$('zoom-fit').addEventListener('click', () => cfgView.fit());
$('follow').addEventListener('click', () => {
  // Follow the syscall in the Find box (or the emulator's): run it and show its path.
  const name = el.find.value.trim();
  if (name) el.emuSyscall.value = name;
  requestEmu(true);
});

// ---------------------------------------------------------------- linked highlighting (Compiler Explorer style)

let linkRules: Links['rules'][number][] = [];
let linkData: Links | undefined;

interface LinkSet {
  lines: [number, number][];
  pcs: Set<number>;
  syscalls: Set<string>;
  /** The arches the syscalls are meant on (undefined: any). */
  arches?: Set<string>;
}

function linkFromSyscalls(names: Iterable<string>, arches?: Set<string>): LinkSet {
  const syscalls = new Set(names);
  const rules = linkRules.filter((r) => r.syscalls.some((s) => syscalls.has(s)));
  const pcs = new Set<number>(rules.flatMap((r) => r.pcs));
  if (!rules.length && linkData) for (const [pc, s] of Object.entries(linkData.pcSyscalls)) if (s.some((x) => syscalls.has(x))) pcs.add(Number(pc));
  return { lines: rules.map((r) => [r.from, r.to]), pcs, syscalls, ...(arches ? { arches } : {}) };
}

function linkFromLine(line: number): LinkSet | undefined {
  const rule = linkRules.find((r) => line >= r.from && line <= r.to);
  if (!rule) return undefined;
  return { lines: [[rule.from, rule.to]], pcs: new Set(rule.pcs), syscalls: new Set(rule.syscalls), arches: new Set(rule.arches) };
}

function linkFromPc(pc: number): LinkSet | undefined {
  const names = linkData?.pcSyscalls[pc];
  const rules = linkRules.filter((r) => r.pcs.includes(pc));
  if (!names && !rules.length) return undefined;
  const syscalls = new Set<string>(rules.length ? rules.flatMap((r) => r.syscalls) : names ?? []);
  return { lines: rules.map((r) => [r.from, r.to]), pcs: new Set([pc, ...rules.flatMap((r) => r.pcs)]), syscalls, ...(rules.length ? { arches: new Set(rules.flatMap((r) => r.arches)) } : {}) };
}

function applyLinks(l: LinkSet | undefined): void {
  editor.mark(inputError?.problem.line, l ? l.lines : []);
  for (const n of document.querySelectorAll('.linked')) n.classList.remove('linked');
  cfgView.link(l ? l.pcs : new Set());
  if (!l) return;
  for (const pc of l.pcs) el.disasm.querySelector(`.row[data-pc="${pc}"]`)?.classList.add('linked');
  for (const tr of el.explain.querySelectorAll<HTMLElement>('tr[data-syscalls]')) {
    if (l.arches && !l.arches.has(tr.closest('table')?.dataset.arch ?? '')) continue;
    const names = tr.dataset.syscalls!.trim().split(' ');
    if (names.some((n) => l.syscalls.has(n))) tr.classList.add('linked');
  }
  for (const f of el.lint.querySelectorAll<HTMLElement>('.finding')) {
    const line = Number(f.dataset.line);
    if ((f.dataset.syscall && l.syscalls.has(f.dataset.syscall)) || (f.dataset.line && l.lines.some(([a, b]) => line >= a && line <= b))) f.classList.add('linked');
  }
}

let hoverLine: number | undefined;
$('editor').addEventListener('mousemove', (e) => {
  const line = editor.lineAt(e.clientX, e.clientY);
  if (line === hoverLine) return;
  hoverLine = line;
  applyLinks(line !== undefined ? linkFromLine(line) : undefined);
});
$('editor').addEventListener('mouseleave', () => {
  hoverLine = undefined;
  applyLinks(undefined);
});

function hoverable(container: HTMLElement, selector: string, link: (target: HTMLElement) => LinkSet | undefined): void {
  const on = (e: Event) => {
    const t = (e.target as HTMLElement).closest<HTMLElement>(selector);
    applyLinks(t ? link(t) : undefined);
  };
  container.addEventListener('mouseover', on);
  container.addEventListener('focusin', on);
  container.addEventListener('mouseleave', () => applyLinks(undefined));
}
hoverable(el.disasm, '.row', (t) => linkFromPc(Number(t.dataset.pc)));
hoverable(el.explain, 'tr[data-syscalls]', (t) => linkFromSyscalls(t.dataset.syscalls!.trim().split(' '), new Set([t.closest('table')?.dataset.arch ?? ''])));
hoverable(el.lint, '.finding', (t) => {
  const line = Number(t.dataset.line);
  const fromLine = t.dataset.line ? linkFromLine(line) : undefined;
  const fromSys = t.dataset.syscall ? linkFromSyscalls([t.dataset.syscall]) : undefined;
  if (!fromLine && !fromSys) return t.dataset.pc ? linkFromPc(Number(t.dataset.pc)) : undefined;
  return {
    lines: [...(fromLine?.lines ?? []), ...(fromSys?.lines ?? [])],
    pcs: new Set([...(fromLine?.pcs ?? []), ...(fromSys?.pcs ?? [])]),
    syscalls: new Set([...(fromLine?.syscalls ?? []), ...(fromSys?.syscalls ?? [])]),
  };
});

// ---------------------------------------------------------------- emulator

function emuChanged(): void {
  version.emu++;
  setStale(['emu'], true);
  debounce('emu', 150, () => requestEmu());
  scheduleHash();
}

function requestEmu(follow = false): void {
  const v = { input: version.input, emu: version.emu };
  const done = () => setStale(['emu'], false);
  if (!analysis || analysis.v !== version.input) {
    emuOut = undefined;
    renderEmu(inputError || !editor.text().trim() ? 'no program' : 'waiting for the program');
    if (inputError || !editor.text().trim()) done();
    return;
  }
  const emu = { arch: el.emuArch.value, syscall: el.emuSyscall.value, ip: el.emuIp.value, args: el.emuArgs.map((i) => i.value) };
  if (!emu.syscall.trim()) {
    emuOut = undefined;
    renderEmu('enter a syscall');
    done();
    return;
  }
  analysisChannel.request('emu', { input: analysis.input, emu }).then((r) => {
    if (v.input !== version.input || v.emu !== version.emu) return;
    emuOut = r;
    emuStep = r.ok ? r.steps.length - 1 : 0;
    renderEmu();
    if (follow && cfgVisible()) cfgView.follow(r.ok ? r.steps.map((s) => s.pc) : undefined, true);
    done();
  }, ignoreCancel);
}

function renderEmu(message?: string): void {
  for (const n of el.disasm.querySelectorAll('.hit, .ret, .cur')) n.classList.remove('hit', 'ret', 'cur');
  const r = emuOut;
  if (!r || !r.ok) {
    el.emuAction.textContent = '—';
    el.emuAction.className = '';
    el.emuDetail.textContent = r && !r.ok ? r.error.message : message ?? '';
    el.emuSteps.hidden = true;
    cfgView.follow(undefined);
    return;
  }
  el.emuAction.textContent = r.action;
  el.emuAction.className = r.action === 'ALLOW' || r.action === 'LOG' ? 'allow' : r.action.startsWith('KILL') ? 'kill' : 'deny';
  el.emuDetail.textContent = `${r.name ?? 'nr'} = ${r.nr} on ${r.arch}: ${r.steps.length} instructions executed${r.returnPc !== undefined ? `, returned at ${r.returnPc}` : ''}${r.fault ? ` (${r.fault})` : ''}`;
  for (const s of r.steps) el.disasm.querySelector(`.row[data-pc="${s.pc}"]`)?.classList.add('hit');
  if (r.returnPc !== undefined) el.disasm.querySelector(`.row[data-pc="${r.returnPc}"]`)?.classList.add('ret');
  const rows = analysis?.result.listing;
  const textOf = (pc: number) => (rows && !isProblem(rows) ? rows[pc]?.text ?? '' : '');
  el.stepBody.innerHTML = r.steps.map((s, i) => {
    const written = s.mem.map((m, j) => (m !== null && (i === 0 || r.steps[i - 1].mem[j] !== m) ? `M[${j}]=${hex32(m)}` : '')).filter(Boolean).join(' ');
    return `<tr data-step="${i}"><td>${i + 1}</td><td>${String(s.pc).padStart(4, '0')}</td><td class="text">${esc(textOf(s.pc))}${s.taken !== undefined ? ` <span class="muted">(${s.taken ? 'taken' : 'not taken'})</span>` : ''}</td><td>${hex32(s.a)}</td><td>${hex32(s.x)}</td><td>${esc(written)}</td></tr>`;
  }).join('');
  el.emuSteps.hidden = false;
  showStep();
}

function showStep(): void {
  const r = emuOut;
  if (!r || !r.ok || !r.steps.length) return;
  emuStep = Math.max(0, Math.min(emuStep, r.steps.length - 1));
  const s = r.steps[emuStep];
  el.stepPos.textContent = `step ${emuStep + 1} of ${r.steps.length}: pc ${String(s.pc).padStart(4, '0')}`;
  const mem = s.mem.map((m, j) => `<span${m === null ? ' class="muted"' : ''}>M[${j}] ${m === null ? '—' : hex32(m)}</span>`).join('');
  el.stepRegs.innerHTML = `<span><b>A</b> ${hex32(s.a)}</span><span><b>X</b> ${hex32(s.x)}</span><div class="mem">${mem}</div>`;
  for (const n of el.stepBody.querySelectorAll('.cur')) n.classList.remove('cur');
  el.stepBody.querySelector(`tr[data-step="${emuStep}"]`)?.classList.add('cur');
  for (const n of el.disasm.querySelectorAll('.cur')) n.classList.remove('cur');
  const row = el.disasm.querySelector<HTMLElement>(`.row[data-pc="${s.pc}"]`);
  if (row) {
    row.classList.add('cur');
    el.disasm.scrollTop = Math.max(0, row.offsetTop - el.disasm.clientHeight / 2);
  }
  if (cfgVisible()) cfgView.follow(r.steps.slice(0, emuStep + 1).map((x) => x.pc));
}

$('emu-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  version.emu++;
  setStale(['emu'], true);
  requestEmu(true);
});
for (const input of [el.emuArch, el.emuSyscall, el.emuIp, ...el.emuArgs]) input.addEventListener('input', emuChanged);
$('step-first').addEventListener('click', () => { emuStep = 0; showStep(); });
$('step-prev').addEventListener('click', () => { emuStep--; showStep(); });
$('step-next').addEventListener('click', () => { emuStep++; showStep(); });
$('step-last').addEventListener('click', () => { emuStep = Number.MAX_SAFE_INTEGER; showStep(); });

// ---------------------------------------------------------------- diff

function renderDiff(report: DiffReport): string {
  if (report.equivalent) return '<p><b>Equivalent</b>: A and B decide identically for every arch, syscall and argument value.</p>';
  const rows = report.entries.flatMap((e) => e.changes.map((c) => {
    const who = e.syscalls ? `${e.syscalls.slice(0, 4).join(', ')}${e.syscalls.length > 4 ? `, … ${e.syscalls.length - 4} more` : ''}` : e.syscall;
    return `<tr><td>${esc(e.arch)}</td><td class="names">${esc(who)}</td><td class="act">${esc(c.a)}</td><td class="act">${esc(c.b)}</td><td>${esc(c.when || 'always')}</td></tr>`;
  }));
  return `<p><b>${rows.length}</b> difference${rows.length === 1 ? '' : 's'}:</p><div class="scroll"><table><thead><tr><th scope="col">arch</th><th scope="col">syscalls</th><th scope="col">A</th><th scope="col">B</th><th scope="col">when</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function diffChanged(): void {
  version.diff++;
  setStale(['diff'], true);
  debounce('diff', 250, requestDiff);
  scheduleHash();
}

function requestDiff(): void {
  const v = { input: version.input, diff: version.diff };
  const b = el.diffInput.value;
  const done = () => setStale(['diff'], false);
  if (!b.trim()) {
    el.diffResult.innerHTML = '<p class="muted">Enter a second input B (or press “B := A” and edit it).</p>';
    done();
    return;
  }
  if (!editor.text().trim()) {
    el.diffResult.innerHTML = '<p class="muted">Enter input A.</p>';
    done();
    return;
  }
  diffChannel.request('diff', { input: inputState(), b }).then((r: DiffOutput) => {
    if (v.input !== version.input || v.diff !== version.diff) return;
    el.diffResult.innerHTML = r.ok ? renderDiff(r.report) : `<div class="error">${r.side}${r.error.line !== undefined ? `, line ${r.error.line}` : ''}: ${esc(stripLocation(r.error.message))}</div>`;
    done();
  }, ignoreCancel);
}

el.diffInput.addEventListener('input', diffChanged);
$('diff-copy').addEventListener('click', () => {
  el.diffInput.value = editor.text();
  diffChanged();
});

// ---------------------------------------------------------------- share links

function scheduleHash(): void {
  debounce('hash', 800, () => void writeHash());
}

let lastHash = '';
async function writeHash(): Promise<string | undefined> {
  try {
    const h = await utilChannel.request('encode', { state: pageState() });
    lastHash = h;
    if (location.hash.slice(1) !== h) history.replaceState(null, '', `#${h}`);
    return h;
  } catch (e) {
    ignoreCancel(e);
    return undefined;
  }
}

async function applyState(s: State): Promise<void> {
  el.mode.value = s.mode;
  el.arch.value = ARCH_CHOICES.includes(s.arch) ? s.arch : 'x86_64';
  el.kernel.value = s.kernel;
  el.pick.value = s.pick;
  el.emuArch.value = ARCH_CHOICES.includes(s.emu.arch) ? s.emu.arch : 'x86_64';
  el.emuSyscall.value = s.emu.syscall;
  el.emuIp.value = s.emu.ip;
  el.emuArgs.forEach((input, i) => (input.value = s.emu.args[i] ?? ''));
  el.diffInput.value = s.diffText;
  version.emu++;
  version.diff++;
  await editor.setText(s.text);
}

async function loadFromHash(): Promise<boolean> {
  const h = location.hash.slice(1);
  if (!h || h === lastHash) return !!h;
  try {
    const s = await utilChannel.request('decode', { hash: location.hash });
    if (!s) return false;
    lastHash = h;
    showBanner(undefined);
    await applyState(s);
    return true;
  } catch (e) {
    if (e instanceof Cancelled) return true;
    showBanner(`This share link is damaged and could not be read (${e instanceof Error ? e.message : String(e)}). Nothing was loaded from it; ask for the link again, or copy it whole.`);
    return false;
  }
}

$('share').addEventListener('click', async () => {
  el.status.textContent = 'preparing the link…';
  const h = await writeHash();
  if (h === undefined) return;
  el.shareLink.value = `${location.origin}${location.pathname}#${h}`;
  el.shareLink.select();
  try {
    await navigator.clipboard.writeText(el.shareLink.value);
    el.status.textContent = 'link copied';
  } catch {
    el.status.textContent = 'link ready';
  }
});
window.addEventListener('hashchange', () => void loadFromHash());

// ---------------------------------------------------------------- files and downloads

function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function openFile(file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  // Binary files become hex text; the mode goes back to auto-detect, which reads them as hex (and anything loaded later by its own kind).
  el.mode.value = 'auto';
  el.pick.value = '';
  await editor.setText(looksLikeText(bytes) && !file.name.endsWith('.bpf') ? new TextDecoder().decode(bytes) : hexText(bytes));
}

$('open-file').addEventListener('click', () => el.upload.click());
el.upload.addEventListener('change', () => {
  const f = el.upload.files?.[0];
  if (f) void openFile(f);
  el.upload.value = '';
});
$('load-docker').addEventListener('click', () => {
  el.mode.value = 'auto';
  el.pick.value = '';
  void editor.setText(dockerDefault);
});
el.mode.addEventListener('change', inputChanged);
el.arch.addEventListener('change', inputChanged);
el.kernel.addEventListener('input', inputChanged);
el.pick.addEventListener('input', inputChanged);

function programBytes(): Uint8Array | undefined {
  const rows = analysis?.result.listing;
  if (!rows || isProblem(rows)) return undefined;
  const ins = rows.map((r) => {
    const [code, jt, jf, k] = r.hex.split(' ').map((x) => parseInt(x, 16));
    return { code, jt, jf, k };
  });
  return encodeProgram(ins, analysis!.result.build.endian);
}
$('dl-bpf').addEventListener('click', () => {
  const b = programBytes();
  if (b) download('filter.bpf', b as BlobPart, 'application/octet-stream');
});
$('dl-hex').addEventListener('click', () => {
  const b = programBytes();
  if (b) download('filter.hex', hexText(b), 'text/plain');
});
$<HTMLInputElement>('show-bytes').addEventListener('change', (e) => el.disasm.classList.toggle('with-bytes', (e.target as HTMLInputElement).checked));

// ---------------------------------------------------------------- start

/** For automation (the browser tests): the editor's whole text (CodeMirror keeps only the lines in view in the DOM). */
(window as unknown as { syswallPlayground: object }).syswallPlayground = { editorText: () => editor.text() };

void (async () => {
  el.status.textContent = 'loading…';
  if (!(await loadFromHash())) await applyState({ ...structuredClone(DEFAULT_STATE), text: SAMPLE, emu: { ...DEFAULT_STATE.emu, syscall: 'openat' } });
  ready = true;
  document.body.dataset.ready = '1';
  updateBusy();
})();
