import type { Command } from '../command.js';
import { stringOpt, UsageError } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { cfgToDot, cfgToHtml, cfgToSvg } from '../../core/analyze/graph.js';
import { graphInput } from '../../core/analyze/input.js';
import { INPUT_HELP, INPUT_NOTE, INPUT_OPTIONS, loadFile } from '../input.js';
import { writeOutput } from '../io.js';
import { basename } from 'node:path';

const FORMATS = ['svg', 'dot', 'html'] as const;

export const command: Command = {
  name: 'graph',
  summary: 'draw the control-flow graph of a filter (SVG, HTML or Graphviz DOT)',
  usage: `Usage: syswall graph INPUT -o FILE.svg|FILE.dot|FILE.html [--format svg|dot|html] [--arch A] [--input KIND]

Draws the control-flow graph of a seccomp filter (policies: the filter
syswall compiles from them): basic blocks with
their instructions, branches labelled with their conditions (syscall names for
syscall-number checks, using the arch known on that path), return blocks
coloured by action. SVG and HTML are self-contained (no network, no external
scripts or styles) and laid out without graphviz; DOT is for \`dot -Tpng\`.

${INPUT_NOTE}

Options:
  -o, --output FILE   output file; the format follows the extension ("-": stdout)
  -f, --format F      svg, dot or html (overrides the extension; default svg)
  -a, --arch A        byte order of raw input (default: guessed, little-endian);
                      arch of assembly and policies (default: this machine's)
${INPUT_HELP}
  -h, --help          show this help

Examples:
  syswall graph filter.bpf -o filter.svg
  syswall graph docker-default.json -o docker.html
  syswall graph filter.bpf -o filter.dot && dot -Tpng filter.dot -o filter.png`,
  options: { output: { type: 'string', short: 'o' }, format: { type: 'string', short: 'f' }, arch: { type: 'string', short: 'a' }, ...INPUT_OPTIONS },
  run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('graph: expected one INPUT file', 'see `syswall graph --help`');
    const file = ctx.positionals[0];
    const out = stringOpt(ctx, 'output');
    if (!out) throw new UsageError('graph: missing -o FILE.svg|FILE.dot|FILE.html', 'use `-o -` to write SVG to stdout');
    const archName = stringOpt(ctx, 'arch');
    const arches = archName ? [resolveArch(archName)] : [];
    let format = stringOpt(ctx, 'format');
    if (!format) {
      const ext = /\.(svg|dot|gv|html?)$/i.exec(out)?.[1]?.toLowerCase();
      format = ext === 'gv' ? 'dot' : ext === 'htm' ? 'html' : ext ?? (out === '-' ? 'svg' : undefined);
      if (!format) throw new UsageError(`graph: cannot tell the format of "${out}" from its extension`, 'use .svg, .dot or .html, or --format');
    }
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`graph: unknown format "${format}"`, 'expected svg, dot or html');
    const cfg = graphInput(loadFile(ctx, file, { arches }));
    const title = file === '-' ? 'seccomp filter' : basename(file);
    const text = format === 'dot' ? cfgToDot(cfg, title) : format === 'html' ? cfgToHtml(cfg, title) : cfgToSvg(cfg, title);
    if (out === '-') ctx.stdout.write(text);
    else writeOutput(out, text);
    return 0;
  },
};
