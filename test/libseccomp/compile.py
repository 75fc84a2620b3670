#!/usr/bin/python3
"""Reference compiler for differential tests: compiles policies with
libseccomp (Debian's python3-seccomp) and prints the raw BPF as hex.

Reads one JSON policy per line on stdin:
  {"default": u32, "badarch": u32, "arches": ["x86_64", ...], "optimize": 1|2,
   "rules": [{"action": u32, "syscall": "name", "args": [[index, op, a, b], ...]}]}
(op: 1 NE, 2 LT, 3 LE, 4 EQ, 5 GE, 6 GT, 7 MASKED_EQ; for MASKED_EQ a is the mask)
and prints one JSON object per line: {"ok": true, "hex": "..."} or
{"ok": false, "error": "..."}.
"""
import json
import signal
import sys
import tempfile

try:
    import seccomp
except ImportError:
    sys.stderr.write("python3-seccomp is missing: apt-get install python3-seccomp\n")
    sys.exit(3)

NATIVE = seccomp.system_arch() & 0xFFFFFFFF


def arch_const(name):
    return getattr(seccomp.Arch, name.upper())


def build(p):
    f = seccomp.SyscallFilter(p["default"])
    want = [arch_const(a) for a in p["arches"]]
    if not any((a & 0xFFFFFFFF) == NATIVE for a in want):
        # Remove the native arch first: all arches of a filter must share byte order.
        f.remove_arch(seccomp.Arch.NATIVE)
    for a in want:
        if not f.exist_arch(a):
            f.add_arch(a)
    f.set_attr(seccomp.Attr.ACT_BADARCH, p["badarch"])
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, p.get("optimize", 1))
    for r in p["rules"]:
        args = [seccomp.Arg(a[0], a[1], a[2], a[3]) for a in r.get("args", [])]
        f.add_rule(r["action"], r["syscall"], *args)
    with tempfile.TemporaryFile() as tmp:
        f.export_bpf(tmp)
        tmp.seek(0)
        return tmp.read().hex()


class Timeout(Exception):
    pass


def on_alarm(_sig, _frame):
    raise Timeout("libseccomp took longer than 5 s")


signal.signal(signal.SIGALRM, on_alarm)

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    signal.alarm(5)
    try:
        out = {"ok": True, "hex": build(json.loads(line))}
    except Timeout as e:
        out = {"ok": False, "error": "timeout: %s" % e}
    except Exception as e:  # noqa: BLE001 - report every refusal
        out = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    finally:
        signal.alarm(0)
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
