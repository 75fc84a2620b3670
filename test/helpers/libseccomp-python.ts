/**
 * Filters exported by the real libseccomp (Debian's python3-seccomp, run with
 * /usr/bin/python3) at test time. Fails loudly when the binding is missing.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** Runs a Python script that prints JSON; throws with an install hint if `import seccomp` fails. */
export function runPythonSeccomp<T>(script: string): T {
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    if (/No module named 'seccomp'|ENOENT/.test(String(r.stderr) + String(r.error))) {
      throw new Error('python3-seccomp is missing: apt-get install python3-seccomp (tests use /usr/bin/python3 and `import seccomp`)');
    }
    throw new Error(`python failed: ${r.stderr || r.error}`);
  }
  return JSON.parse(r.stdout) as T;
}

/** Python prelude: `build(arches, rules...)` and `export(f)` returning base64 BPF. */
export const PY_PRELUDE = String.raw`
import seccomp, base64, json, tempfile
from seccomp import *
def export(f):
    with tempfile.TemporaryFile() as t:
        f.export_bpf(t); t.seek(0); return base64.b64encode(t.read()).decode()
def new_filter(arches, default):
    f = SyscallFilter(default)
    if (seccomp.system_arch() & 0xffffffff) not in [a & 0xffffffff for a in arches]:
        f.remove_arch(Arch.NATIVE)
    for a in arches:
        if not f.exist_arch(a): f.add_arch(a)
    return f
`;
