/**
 * The playground page: wires the editor, the panels, the emulator and the
 * diff view to the engine. All computing happens in engine.ts (syswall's
 * core); this file only reads inputs and renders.
 */
import './styles.css';
import dockerDefault from '../../data/profiles/docker-default.json?raw';
import { layoutCfg } from '../../src/core/analyze/cfg-layout.js';
import { cfgPath, cfgToSvg, encodeProgram, hexText, type Cfg, type DiffReport, type DisasmLine, type ExplainReport, type LintReport } from '../../src/core/index.js';
import {
  ARCH_CHOICES, analyze, buildProgram, detectMode, diff, emulate, type Analysis, type Built, type EmuResult, type InputMode, type InputProblem,
} from './engine.js';
import { DEFAULT_STATE, decodeState, encodeState, type State } from './state.js';

const SAMPLE = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    { "names": ["read", "write", "close", "exit_group", "brk", "mmap"], "action": "SCMP_ACT_ALLOW" },
    { "names": ["openat"], "action": "SCMP_ACT_ALLOW",
      "args": [ { "index": 2, "value": 3, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" } ] }
  ]
}
`;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const isProblem = (x: unknown): x is InputProblem => typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('findings' in x);

const el = {
  editor: $<HTMLTextAreaElement>('editor'),
  gutter: $('gutter'),
  errline: $('errline'),
  error: $('error'),
  warnings: $('warnings'),
  detected: $('detected'),
  mode: $<HTMLSelectElement>('mode'),
  arch: $<HTMLSelectElement>('arch'),
  status: $('status'),
  shareLink: $<HTMLInputElement>('share-link'),
  disasm: $('disasm'),
  explain: $('explain'),
  lint: $('lint'),
  stats: $('stats'),
  graph: $('graph'),
  emuArch: $<HTMLSelectElement>('emu-arch'),
  emuSyscall: $<HTMLInputElement>('emu-syscall'),
  emuIp: $<HTMLInputElement>('emu-ip'),
  emuArgs: [0, 1, 2, 3, 4, 5].map((i) => $<HTMLInputElement>(`emu-arg${i}`)),
  emuAction: $<HTMLOutputElement>('emu-action'),
  emuDetail: $('emu-detail'),
  diffInput: $<HTMLTextAreaElement>('diff-input'),
  diffResult: $('diff-result'),
};

let state: State = structuredClone(DEFAULT_STATE);
let built: Built | undefined;
let analysis: Analysis | undefined;
let errorLine: number | undefined;

for (const sel of [el.arch, el.emuArch]) sel.innerHTML = ARCH_CHOICES.map((a) => `<option>${esc(a)}</option>`).join('');

// ---------------------------------------------------------------- editor

function updateGutter(): void {
  const n = el.editor.value.split('\n').length;
  let out = '';
  for (let i = 1; i <= n; i++) out += i === errorLine ? `<span class="err">${i}</span>\n` : `${i}\n`;
  el.gutter.innerHTML = out;
  syncScroll();
}

function syncScroll(): void {
  el.gutter.scrollTop = el.editor.scrollTop;
  if (errorLine !== undefined) {
    const lh = parseFloat(getComputedStyle(el.editor).lineHeight) || 18;
    el.errline.style.top = `${4 + (errorLine - 1) * lh - el.editor.scrollTop}px`;
  }
}

function showError(p: InputProblem | undefined): void {
  errorLine = p?.line;
  el.errline.hidden = errorLine === undefined;
  el.error.hidden = !p;
  el.error.textContent = p ? `${p.line !== undefined ? `line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''}: ` : ''}${stripLocation(p.message)}${p.hint ? `\nhint: ${p.hint}` : ''}` : '';
  el.error.dataset.line = p?.line !== undefined ? String(p.line) : '';
  updateGutter();
}

/** The core prefixes messages with `file:line:col: `; the page shows the line itself. */
function stripLocation(message: string): string {
  return message.replace(/^(policy|input|<inline>|line)\s*:?\s*\d+(:\d+)?:\s*/, '');
}

// ---------------------------------------------------------------- panels

function renderDisasm(lines: DisasmLine[] | InputProblem): void {
  if (isProblem(lines)) {
    el.disasm.innerHTML = `<div class="error">${esc(lines.message)}</div>`;
    return;
  }
  const hx = (n: number, w: number) => n.toString(16).padStart(w, '0');
  el.disasm.innerHTML = lines
    .map((l) => `<div data-pc="${l.line}"${l.reachable ? '' : ' class="unreach" title="unreachable"'}>${String(l.line).padStart(4, '0')}: ${hx(l.code, 2)} ${hx(l.jt, 2)} ${hx(l.jf, 2)} ${hx(l.k, 8)}  ${esc(l.text)}</div>`)
    .join('');
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
    parts.push(`<div class="explain-arch">${esc(a.arch)}</div><table class="explain" data-arch="${esc(a.arch)}"><thead><tr><th>decision</th><th>syscalls</th></tr></thead><tbody>`);
    for (const r of a.rows) {
      const names = r.other ? `<i>&lt;other syscalls&gt;</i>` : esc(r.syscalls.join(', '));
      parts.push(`<tr><td class="act">${esc(r.decision.text)}</td><td class="names">${names}</td></tr>`);
    }
    parts.push('</tbody></table>');
  }
  el.explain.innerHTML = parts.join('');
}

function renderLint(report: LintReport | InputProblem): void {
  if (isProblem(report)) {
    el.lint.innerHTML = `<div class="error">${esc(report.message)}</div>`;
    return;
  }
  if (!report.findings.length) {
    el.lint.innerHTML = '<div class="muted">No findings.</div>';
    return;
  }
  el.lint.innerHTML = report.findings
    .map((f) => {
      const where = [f.location.arch, f.location.syscall, f.location.pc !== undefined ? `instruction ${f.location.pc}` : undefined].filter(Boolean).join(' ');
      return `<div class="finding"><span class="sev ${f.severity}">${f.severity}</span> <b>${esc(f.code)}</b>${where ? ` <span class="muted">(${esc(where)})</span>` : ''}: ${esc(f.message)}${f.hint ? `<div class="hint">hint: ${esc(f.hint)}</div>` : ''}</div>`;
    })
    .join('');
}

function renderStats(a: Analysis, b: Built): void {
  const s = a.stats;
  const rows: [string, string][] = [
    ['input', b.mode === 'policy' ? `policy (${b.policyKind})` : b.mode === 'asm' ? 'assembly' : 'raw BPF'],
    ['arches', b.arches.map((x) => x.name).join(', ')],
    ['length', `${s.length} instructions (${s.bytes} bytes)${s.length > 4096 ? ' — over the kernel limit of 4096!' : ''}`],
    ['build time', `${s.buildMs.toFixed(1)} ms`],
    ...(s.decisions !== undefined ? [['decisions', String(s.decisions)] as [string, string]] : []),
    ['basic blocks', `${s.blocks} (${s.returns} returns)`],
  ];
  let html = `<table><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`;
  if (s.perArch.length) {
    html += `<p class="muted">Instructions executed per syscall (every syscall of the arch's table, arguments 0):</p><table><thead><tr><th>arch</th><th>syscalls</th><th>min</th><th>mean</th><th>max</th><th>slowest</th></tr></thead><tbody>`;
    html += s.perArch.map((p) => `<tr><td>${esc(p.arch)}</td><td>${p.syscalls}</td><td>${p.min}</td><td>${p.mean.toFixed(1)}</td><td>${p.max}</td><td><code>${esc(p.worst)}</code></td></tr>`).join('');
    html += '</tbody></table>';
  }
  el.stats.innerHTML = html;
}

function renderGraph(cfg: Cfg): void {
  try {
    el.graph.innerHTML = cfgToSvg(cfg, layoutCfg(cfg), 'seccomp filter');
  } catch (e) {
    el.graph.innerHTML = `<div class="error">${esc(e instanceof Error ? e.message : String(e))}</div>`;
  }
  scrollGraphTo(0);
}

/** Scrolls the graph so block `id` is in view (the layout centres layers, so the entry may be far right). */
function scrollGraphTo(id: number, centreVertically = false): void {
  if (el.graph.classList.contains('fit')) return;
  const rect = el.graph.querySelector(`g[id="n${id}"] rect`);
  if (!rect) return;
  const x = Number(rect.getAttribute('x'));
  const y = Number(rect.getAttribute('y'));
  const w = Number(rect.getAttribute('width'));
  const h = Number(rect.getAttribute('height'));
  el.graph.scrollLeft = Math.max(0, x + w / 2 - el.graph.clientWidth / 2);
  el.graph.scrollTop = Math.max(0, centreVertically ? y + h / 2 - el.graph.clientHeight / 2 : y - 20);
}

function clearPanels(why: string): void {
  const msg = `<div class="muted">${esc(why)}</div>`;
  for (const p of [el.disasm, el.explain, el.lint, el.stats, el.graph]) p.innerHTML = msg;
}

// ---------------------------------------------------------------- emulator

function readEmu(): State['emu'] {
  return { arch: el.emuArch.value, syscall: el.emuSyscall.value, ip: el.emuIp.value, args: el.emuArgs.map((i) => i.value) };
}

function highlightPath(r: EmuResult | undefined): void {
  for (const n of el.disasm.querySelectorAll('.hit, .ret')) n.classList.remove('hit', 'ret');
  for (const n of el.graph.querySelectorAll('g.hit, g.ret')) n.classList.remove('hit', 'ret');
  if (!r || !r.ok || !analysis) return;
  const rows = el.disasm.children;
  for (const pc of r.trace.path) rows[pc]?.classList.add('hit');
  const last = r.trace.ok ? r.trace.returnPc : r.trace.path[r.trace.path.length - 1];
  if (last !== undefined) rows[last]?.classList.add('ret');
  const walk = cfgPath(analysis.cfg, r.trace.path);
  walk.nodes.forEach((id, i) => {
    const g = el.graph.querySelector(`g[id="n${id}"]`);
    g?.classList.add('hit');
    if (i === walk.nodes.length - 1) {
      g?.classList.add('ret');
      scrollGraphTo(id, true);
    }
  });
  if (last !== undefined) {
    const row = rows[last] as HTMLElement | undefined;
    if (row) el.disasm.scrollTop = Math.max(0, row.offsetTop - el.disasm.clientHeight / 2);
  }
}

function runEmu(): void {
  state.emu = readEmu();
  if (!built) {
    el.emuAction.textContent = '—';
    el.emuAction.className = '';
    el.emuDetail.textContent = 'no program';
    highlightPath(undefined);
    return;
  }
  if (!state.emu.syscall.trim()) {
    el.emuAction.textContent = '—';
    el.emuAction.className = '';
    el.emuDetail.textContent = 'enter a syscall';
    highlightPath(undefined);
    return;
  }
  const r = emulate(built, state.emu);
  if (!r.ok) {
    el.emuAction.textContent = '—';
    el.emuAction.className = '';
    el.emuDetail.textContent = r.error.message;
    highlightPath(undefined);
    return;
  }
  el.emuAction.textContent = r.action;
  el.emuAction.className = r.action === 'ALLOW' || r.action === 'LOG' ? 'allow' : r.action.startsWith('KILL') ? 'kill' : 'deny';
  el.emuDetail.textContent = `${r.name ?? 'nr'} = ${r.nr} on ${r.arch.name}: ${r.trace.steps} instructions executed${r.trace.ok ? `, returned at ${r.trace.returnPc}` : ''}`;
  highlightPath(r);
}

// ---------------------------------------------------------------- diff

function renderDiff(report: DiffReport): string {
  if (report.equivalent) return '<p><b>Equivalent</b>: A and B decide identically for every arch, syscall and argument value.</p>';
  const rows = report.entries.flatMap((e) =>
    e.changes.map((c) => {
      const who = e.syscalls ? `${e.syscalls.slice(0, 4).join(', ')}${e.syscalls.length > 4 ? `, … ${e.syscalls.length - 4} more` : ''}` : e.syscall;
      return `<tr><td>${esc(e.arch)}</td><td class="names">${esc(who)}</td><td class="act">${esc(c.a)}</td><td class="act">${esc(c.b)}</td><td>${esc(c.when || 'always')}</td></tr>`;
    }),
  );
  return `<p><b>${rows.length}</b> difference${rows.length === 1 ? '' : 's'}:</p><table><thead><tr><th>arch</th><th>syscalls</th><th>A</th><th>B</th><th>when</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function runDiff(): void {
  state.diffText = el.diffInput.value;
  if (!state.diffText.trim()) {
    el.diffResult.innerHTML = '<p class="muted">Enter a second input B (or press “B := A” and edit it).</p>';
    return;
  }
  if (!built) {
    el.diffResult.innerHTML = '<p class="muted">Input A has an error.</p>';
    return;
  }
  const b = buildProgram(state.diffText, 'auto', state.arch);
  if (!b.ok) {
    el.diffResult.innerHTML = `<div class="error">B${b.error.line !== undefined ? `, line ${b.error.line}` : ''}: ${esc(stripLocation(b.error.message))}</div>`;
    return;
  }
  const d = diff(built, b.built);
  el.diffResult.innerHTML = d.ok ? renderDiff(d.report) : `<div class="error">${esc(d.error.message)}</div>`;
}

// ---------------------------------------------------------------- recompute and URL

function recompute(): void {
  state.text = el.editor.value;
  state.mode = el.mode.value as InputMode;
  state.arch = el.arch.value;
  const t0 = performance.now();
  el.detected.textContent = state.text.trim() ? `(${state.mode === 'auto' ? `detected: ${detectMode(state.text) ?? "unrecognised"}` : state.mode})` : '';
  const r = buildProgram(state.text, state.mode, state.arch);
  el.warnings.innerHTML = '';
  if (!state.text.trim()) {
    built = analysis = undefined;
    showError(undefined);
    clearPanels('Enter an input on the left.');
  } else if (!r.ok) {
    built = analysis = undefined;
    showError(r.error);
    clearPanels('No program: the input has an error (see below the editor).');
  } else {
    showError(undefined);
    built = r.built;
    analysis = analyze(built);
    el.warnings.innerHTML = built.warnings.map((w) => `<li>${esc(w)}</li>`).join('');
    renderDisasm(analysis.disasm);
    renderExplain(analysis.explain);
    renderLint(analysis.lint);
    renderStats(analysis, built);
    renderGraph(analysis.cfg);
  }
  runEmu();
  runDiff();
  el.status.textContent = built ? `${built.instructions.length} instructions · ${(performance.now() - t0).toFixed(0)} ms` : r.ok ? '' : 'input error';
  scheduleHash();
}

let recomputeTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleRecompute(): void {
  clearTimeout(recomputeTimer);
  document.body.dataset.busy = '1';
  recomputeTimer = setTimeout(() => {
    recompute();
    delete document.body.dataset.busy;
  }, 200);
}

let hashTimer: ReturnType<typeof setTimeout> | undefined;
let lastHash = '';
function scheduleHash(): void {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => void writeHash(), 300);
}

async function writeHash(): Promise<string> {
  const h = await encodeState(state);
  lastHash = h;
  if (location.hash.slice(1) !== h) history.replaceState(null, '', `#${h}`);
  return h;
}

function applyState(s: State): void {
  state = s;
  el.editor.value = s.text;
  el.mode.value = s.mode;
  el.arch.value = ARCH_CHOICES.includes(s.arch) ? s.arch : 'x86_64';
  el.emuArch.value = ARCH_CHOICES.includes(s.emu.arch) ? s.emu.arch : 'x86_64';
  el.emuSyscall.value = s.emu.syscall;
  el.emuIp.value = s.emu.ip;
  el.emuArgs.forEach((input, i) => (input.value = s.emu.args[i] ?? ''));
  el.diffInput.value = s.diffText;
  recompute();
}

async function loadFromHash(): Promise<boolean> {
  if (location.hash.slice(1) === lastHash && lastHash) return true;
  try {
    const s = await decodeState(location.hash);
    if (!s) return false;
    lastHash = location.hash.slice(1);
    applyState(s);
    return true;
  } catch (e) {
    el.status.textContent = `could not read the shared link: ${e instanceof Error ? e.message : String(e)}`;
    return false;
  }
}

// ---------------------------------------------------------------- files

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

function looksBinary(bytes: Uint8Array): boolean {
  return bytes.some((b) => b < 9 || (b > 13 && b < 32) || b === 127);
}

async function openFile(file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (looksBinary(bytes) || file.name.endsWith('.bpf')) {
    el.editor.value = hexText(bytes);
    el.mode.value = 'hex';
  } else {
    el.editor.value = new TextDecoder().decode(bytes);
    el.mode.value = 'auto';
  }
  recompute();
}

// ---------------------------------------------------------------- events

el.editor.addEventListener('input', () => {
  updateGutter();
  scheduleRecompute();
});
el.editor.addEventListener('scroll', syncScroll);
el.editor.addEventListener('keydown', (ev) => {
  if (ev.key === 'Tab' && !ev.shiftKey) {
    ev.preventDefault();
    el.editor.setRangeText('  ', el.editor.selectionStart, el.editor.selectionEnd, 'end');
    scheduleRecompute();
  }
});
el.mode.addEventListener('change', recompute);
el.arch.addEventListener('change', recompute);
$('emu-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  runEmu();
  scheduleHash();
});
for (const input of [el.emuArch, el.emuSyscall, el.emuIp, ...el.emuArgs]) {
  input.addEventListener('input', () => {
    runEmu();
    scheduleHash();
  });
}
el.diffInput.addEventListener('input', () => {
  clearTimeout(recomputeTimer);
  recomputeTimer = setTimeout(() => {
    runDiff();
    scheduleHash();
  }, 200);
});
$('diff-copy').addEventListener('click', () => {
  el.diffInput.value = el.editor.value;
  runDiff();
  scheduleHash();
});
$('load-docker').addEventListener('click', () => {
  el.editor.value = dockerDefault;
  el.mode.value = 'auto';
  el.editor.scrollTop = 0;
  recompute();
});
$<HTMLInputElement>('upload').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) void openFile(f);
});
$('share').addEventListener('click', async () => {
  clearTimeout(recomputeTimer);
  recompute();
  const h = await writeHash();
  el.shareLink.value = `${location.origin}${location.pathname}#${h}`;
  el.shareLink.select();
  try {
    await navigator.clipboard.writeText(el.shareLink.value);
    el.status.textContent = 'link copied';
  } catch {
    el.status.textContent = 'link ready';
  }
});
$('dl-bpf').addEventListener('click', () => {
  if (built) download('filter.bpf', encodeProgram(built.instructions, built.endian) as BlobPart, 'application/octet-stream');
});
$('dl-hex').addEventListener('click', () => {
  if (built) download('filter.hex', hexText(encodeProgram(built.instructions, built.endian)), 'text/plain');
});
$<HTMLInputElement>('graph-fit').addEventListener('change', (ev) => el.graph.classList.toggle('fit', (ev.target as HTMLInputElement).checked));
window.addEventListener('hashchange', () => void loadFromHash());

void (async () => {
  if (!(await loadFromHash())) applyState({ ...structuredClone(DEFAULT_STATE), text: SAMPLE, emu: { ...DEFAULT_STATE.emu, syscall: 'openat' } });
  document.body.dataset.ready = '1';
})();
