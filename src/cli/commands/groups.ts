import type { Command } from '../command.js';
import { flag, stringOpt } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { syscallNumber } from '../../core/arch/syscalls.js';
import { expandGroup, GROUP_NAMES, SYSCALL_GROUPS, type GroupName } from '../../core/policy/groups.js';
import { println } from '../io.js';

export const command: Command = {
  name: 'groups',
  summary: 'list syscall groups (@network-io, @mount, ...) and their members',
  usage: `Usage: syswall groups [NAME ...] [--arch ARCH] [--json]

Lists syswall's syscall groups, in the manner of systemd's SystemCallFilter=
sets. Groups can be used in syswall policy files ("names": ["@mount"]) and in
the builder API (.deny('@mount')). With NAME, prints the group's members
(groups it includes are expanded). With --arch, only members that exist on
that arch are shown, with their numbers.

Options:
  -a, --arch ARCH   show only members present on ARCH, with numbers
      --json        print JSON
  -h, --help        show this help

Examples:
  syswall groups
  syswall groups @mount
  syswall groups network-io --arch aarch64 --json`,
  options: { arch: { type: 'string', short: 'a' }, json: { type: 'boolean' } },
  run(ctx) {
    const archName = stringOpt(ctx, 'arch');
    const arch = archName ? resolveArch(archName) : undefined;
    const json = flag(ctx, 'json');
    if (ctx.positionals.length === 0) {
      const rows = GROUP_NAMES.map((g) => {
        const members = expandGroup(g, arch ? { arch } : {});
        return { name: g, description: SYSCALL_GROUPS[g].description, count: members.length };
      });
      if (json) println(ctx.stdout, JSON.stringify(rows, null, 2));
      else {
        const w = Math.max(...rows.map((r) => r.name.length));
        for (const r of rows) println(ctx.stdout, `${r.name.padEnd(w)}  ${String(r.count).padStart(3)}  ${r.description}`);
      }
      return 0;
    }
    const out: { name: string; description: string; members: (string | { name: string; nr: number })[] }[] = [];
    for (const q of ctx.positionals) {
      const name = (q.startsWith('@') ? q : '@' + q) as GroupName;
      const members = expandGroup(name, arch ? { arch } : {});
      out.push({
        name,
        description: SYSCALL_GROUPS[name].description,
        members: arch ? members.map((m) => ({ name: m, nr: syscallNumber(arch, m)! })).sort((a, b) => a.nr - b.nr) : members,
      });
    }
    if (json) println(ctx.stdout, JSON.stringify(ctx.positionals.length === 1 ? out[0] : out, null, 2));
    else {
      for (const g of out) {
        if (out.length > 1) println(ctx.stdout, `# ${g.name}: ${g.description}`);
        for (const m of g.members) println(ctx.stdout, typeof m === 'string' ? m : `${m.nr}\t${m.name}`);
      }
    }
    return 0;
  },
};
