/**
 * The input editor: CodeMirror 6 (only the lines in view are in the DOM, so
 * multi-megabyte inputs stay responsive), with the error line marked, lines
 * linked to the hovered program part highlighted, and large texts loaded in
 * slices so no single task blocks the page.
 *
 * Keyboard: Tab indents; Esc then Tab leaves the editor (CodeMirror's
 * standard escape), and Ctrl+M (Shift+Alt+M on macOS) switches Tab to
 * moving focus.
 */
import { EditorState, RangeSetBuilder, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, GutterMarker, gutterLineClass, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';

/** Texts longer than this are loaded in slices (one per task). */
const SLICE = 64 * 1024;

const setMarks = StateEffect.define<{ error?: number; linked: readonly [number, number][] }>();

class ErrorGutter extends GutterMarker {
  override elementClass = 'cm-error-gutter';
}
const errorGutter = new ErrorGutter();

interface Marks {
  readonly error?: number;
  readonly linked: readonly [number, number][];
  readonly deco: DecorationSet;
}

function decorate(state: EditorState, error: number | undefined, linked: readonly [number, number][]): DecorationSet {
  const lines = new Map<number, string>();
  const n = state.doc.lines;
  for (const [a, b] of linked) for (let l = Math.max(1, a); l <= Math.min(n, b); l++) lines.set(l, 'cm-linked');
  if (error !== undefined && error >= 1 && error <= n) lines.set(error, (lines.get(error) ? 'cm-linked ' : '') + 'cm-error-line');
  const builder = new RangeSetBuilder<Decoration>();
  for (const l of [...lines.keys()].sort((x, y) => x - y)) builder.add(state.doc.line(l).from, state.doc.line(l).from, Decoration.line({ class: lines.get(l)! }));
  return builder.finish();
}

const marks = StateField.define<Marks>({
  create: () => ({ linked: [], deco: Decoration.none }),
  update(value, tr) {
    let v = value;
    for (const e of tr.effects) if (e.is(setMarks)) v = { ...e.value, deco: decorate(tr.state, e.value.error, e.value.linked) };
    if (tr.docChanged && v === value) v = { ...v, deco: v.deco.map(tr.changes) };
    return v;
  },
  provide: (f) => [
    EditorView.decorations.from(f, (m) => m.deco),
    gutterLineClass.compute([f], (state) => {
      const m = state.field(f);
      const b = new RangeSetBuilder<GutterMarker>();
      if (m.error !== undefined && m.error >= 1 && m.error <= state.doc.lines) b.add(state.doc.line(m.error).from, state.doc.line(m.error).from, errorGutter);
      return b.finish();
    }),
  ],
});

/** What the page needs from the editor. */
export interface Editor {
  readonly view: EditorView;
  text(): string;
  /** Replaces the whole text (in slices when large); resolves when done. Fires `onChange` once, at the end. */
  setText(text: string): Promise<void>;
  /** Marks the error line (undefined: none) and the linked line ranges. */
  mark(error: number | undefined, linked: readonly [number, number][]): void;
  /** Scrolls a line into view (centred) and, with `select`, puts the cursor there. */
  reveal(line: number, select?: boolean): void;
  /** True while the editor has the keyboard focus. */
  focused(): boolean;
  /** The line under a page point, if any. */
  lineAt(x: number, y: number): number | undefined;
}

export interface EditorOptions {
  parent: HTMLElement;
  label: string;
  placeholder?: string;
  onChange: () => void;
  /** Called with true while a large text is being loaded slice by slice, then false. */
  onLoading?: (loading: boolean) => void;
}

/** Creates the editor. */
export function createEditor(options: EditorOptions): Editor {
  let loading = false;
  const extensions: Extension[] = [
    lineNumbers(),
    history(),
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    marks,
    EditorState.tabSize.of(2),
    EditorView.contentAttributes.of({ tabindex: '0', 'aria-label': options.label, 'aria-describedby': 'editor-help', spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off' }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged && !loading) options.onChange();
    }),
    EditorView.domEventHandlers({
      paste(ev, view) {
        const text = ev.clipboardData?.getData('text/plain') ?? '';
        if (text.length <= SLICE) return false;
        // A large paste: replace the selection slice by slice, so no task runs long.
        ev.preventDefault();
        const { from, to } = view.state.selection.main;
        void insertSliced(view, from, to, text);
        return true;
      },
    }),
  ];
  const view = new EditorView({ parent: options.parent, state: EditorState.create({ doc: '', extensions }) });

  async function insertSliced(v: EditorView, from: number, to: number, text: string): Promise<void> {
    loading = true;
    options.onLoading?.(true);
    try {
      // Return to the event loop first: the paste (or click) that started this ends at once.
      await new Promise((r) => setTimeout(r, 0));
      v.dispatch({ changes: { from, to: Math.min(to, v.state.doc.length), insert: '' } });
      let at = from;
      for (let i = 0; i < text.length; i += SLICE) {
        let end = Math.min(text.length, i + SLICE);
        // Keep a \r\n pair together.
        if (text[end - 1] === '\r' && text[end] === '\n') end++;
        const piece = text.slice(i, end);
        v.dispatch({ changes: { from: at, insert: piece } });
        at += piece.length;
        i = end - SLICE;
        await new Promise((r) => setTimeout(r, 0));
      }
      v.dispatch({ selection: { anchor: from } });
    } finally {
      loading = false;
      options.onLoading?.(false);
    }
    options.onChange();
  }

  // The whole text is needed several times per edit (the worker, the share link): join the lines once per version.
  let cached: { doc: unknown; text: string } | undefined;
  const text = () => {
    const doc = view.state.doc;
    if (cached?.doc !== doc) cached = { doc, text: doc.toString() };
    return cached.text;
  };
  return {
    view,
    text,
    async setText(t: string) {
      if (t.length === view.state.doc.length && t === text()) {
        options.onChange();
        return;
      }
      if (t.length <= SLICE) {
        loading = true;
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t }, selection: { anchor: 0 } });
        loading = false;
        view.scrollDOM.scrollTop = 0;
        options.onChange();
        return;
      }
      await insertSliced(view, 0, view.state.doc.length, t);
      view.scrollDOM.scrollTop = 0;
    },
    mark(error, linked) {
      view.dispatch({ effects: setMarks.of({ ...(error !== undefined ? { error } : {}), linked }) });
    },
    reveal(line, select = false) {
      const l = view.state.doc.line(Math.max(1, Math.min(line, view.state.doc.lines)));
      view.dispatch({ effects: EditorView.scrollIntoView(l.from, { y: 'center' }), ...(select ? { selection: { anchor: l.from } } : {}) });
    },
    focused: () => view.hasFocus,
    lineAt(x, y) {
      const pos = view.posAtCoords({ x, y });
      return pos === null ? undefined : view.state.doc.lineAt(pos).number;
    },
  };
}
