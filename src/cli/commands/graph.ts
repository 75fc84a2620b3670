import type { Command } from '../command.js';
import { stringOpt, UsageError } from '../command.js';
import { cfgToDot, cfgToSvg } from '../../core/analyze/graph.js';
import { layoutCfg } from '../../core/analyze/cfg-layout.js';
import { graphInput, mapInput } from '../../core/analyze/input.js';
import { mapToSvg } from '../../core/analyze/map.js';
import { pictureHtml } from '../../core/analyze/picture-html.js';
import { archesOf, INPUT_HELP, INPUT_NOTE, INPUT_OPTIONS, loadFile } from '../input.js';
import { writeOutput } from '../io.js';
import { basename } from 'node:path';

const FORMATS = ['svg', 'html', 'dot', 'json'] as const;
const VIEWS = ['map', 'cfg'] as const;

export const command: Command = {
  name: 'graph',
  summary: 'draw a filter: its decision map (default) or its control-flow graph (SVG, HTML, DOT, JSON)',
  usage: `Usage: syswall graph INPUT -o FILE.svg|FILE.html|FILE.dot|FILE.json [--view map|cfg] [--arch A[,B]] [--input KIND]

Draws a seccomp filter (policies: the filter syswall compiles from them).

--view map (default): the decision map. Per arch, the syscall-number line
split into ranges by decision, then every syscall of the arch's table as a
cell (number and name) coloured by its action; syscalls whose decision
depends on arguments are hatched and link to their condition tree; numbers no
syscall has (where compiled filters answer ENOSYS) and every other arch (the
bad-arch action) have their own regions. It comes from the filter's exact
decision function, the same as \`syswall explain\`. At most 2,000 px wide.

--view cfg: the control-flow graph, laid out with dagre: basic blocks with
their instructions, each search tree of comparisons on one value (the
syscall-number dispatch, the arch check) collapsed into one "switch" node
whose edges carry the syscall names, \`ja\` trampolines skipped, returns drawn
as leaves coloured by action.

SVG is self-contained; HTML adds a syscall search box, zoom and panning (no
network, no external scripts or styles); DOT (cfg only) is for Graphviz;
JSON is the map or the graph with its layout, for scripts.

${INPUT_NOTE}

Options:
  -o, --output FILE   output file; the format follows the extension ("-": stdout)
  -f, --format F      svg, html, dot or json (overrides the extension; default svg)
  -v, --view V        map (default) or cfg
  -a, --arch A[,B]    map: only these arches; byte order of raw input (default:
                      guessed, little-endian); arch of assembly and policies
                      (default: this machine's)
${INPUT_HELP}
  -h, --help          show this help

Examples:
  syswall graph docker-default.json -o docker.svg
  syswall graph filter.bpf -o filter.html
  syswall graph filter.bpf --view cfg -o filter.svg
  syswall graph filter.bpf --view cfg -o filter.dot && dot -Tpng filter.dot -o filter.png`,
  options: { output: { type: 'string', short: 'o' }, format: { type: 'string', short: 'f' }, view: { type: 'string', short: 'v' }, arch: { type: 'string', short: 'a', multiple: true }, ...INPUT_OPTIONS },
  run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('graph: expected one INPUT file', 'see `syswall graph --help`');
    const file = ctx.positionals[0];
    const out = stringOpt(ctx, 'output');
    if (!out) throw new UsageError('graph: missing -o FILE.svg|FILE.html|FILE.dot|FILE.json', 'use `-o -` to write SVG to stdout');
    const view = stringOpt(ctx, 'view') ?? 'map';
    if (!(VIEWS as readonly string[]).includes(view)) throw new UsageError(`graph: unknown view "${view}"`, 'expected map or cfg');
    const arches = archesOf(ctx);
    let format = stringOpt(ctx, 'format');
    if (!format) {
      const ext = /\.(svg|dot|gv|html?|json)$/i.exec(out)?.[1]?.toLowerCase();
      format = ext === 'gv' ? 'dot' : ext === 'htm' ? 'html' : ext ?? (out === '-' ? 'svg' : undefined);
      if (!format) throw new UsageError(`graph: cannot tell the format of "${out}" from its extension`, 'use .svg, .html, .dot or .json, or --format');
    }
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`graph: unknown format "${format}"`, 'expected svg, html, dot or json');
    if (format === 'dot' && view === 'map') throw new UsageError('graph: DOT is a graph format; the decision map is drawn as SVG, HTML or JSON', 'use --view cfg for DOT');
    const input = loadFile(ctx, file, { arches });
    const title = file === '-' ? 'seccomp filter' : basename(file);
    let text: string;
    if (view === 'map') {
      const map = mapInput(input, { arches });
      if (format === 'json') text = JSON.stringify(map, null, 2) + '\n';
      else {
        const svg = mapToSvg(map, { title: `${title}: decision map` });
        text = format === 'html' ? pictureHtml(svg, `${title}: decision map`, `${map.arches.map((a) => a.arch).join(', ')}`) : svg;
      }
    } else {
      const cfg = graphInput(input);
      if (format === 'dot') text = cfgToDot(cfg, title);
      else {
        const layout = layoutCfg(cfg);
        if (format === 'json') text = JSON.stringify({ ...cfg, layout }, null, 2) + '\n';
        else {
          const svg = cfgToSvg(cfg, layout, title);
          text = format === 'html' ? pictureHtml(svg, `${title}: control-flow graph`, `${input.program.length} instructions, ${cfg.blockCount} basic blocks, ${cfg.nodes.length} nodes after collapsing`) : svg;
        }
      }
    }
    if (out === '-') ctx.stdout.write(text);
    else writeOutput(out, text);
    return 0;
  },
};
