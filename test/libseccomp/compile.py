#!/usr/bin/python3
"""Reference compiler for differential tests: compiles policies with
libseccomp (Debian's python3-seccomp) and prints the raw BPF as hex.

Reads one JSON policy per line on stdin:
  {"default": u32, "badarch": u32, "arches": ["x86_64", ...], "optimize": 1|2,
   "rules": [{"action": u32, "syscall": "name" or number, "args": [[index, op, a, b], ...]}],
   "pfc": true (optional: also export the PFC text), "tskip": true (optional:
   set SCMP_FLTATR_API_TSKIP, which rules on syscall -1 need)}
(op: 1 NE, 2 LT, 3 LE, 4 EQ, 5 GE, 6 GT, 7 MASKED_EQ; for MASKED_EQ a is the mask)
and prints one JSON object per line: {"ok": true, "hex": "...", "pfc": "..."}
or {"ok": false, "error": "..."}. With SYSWALL_HARNESS_TIME set in the
environment, "ms" gives the CPU time libseccomp took (filter init, arches,
rule adds and BPF export; time.process_time), for benchmarks.
"""
import json
import os
import select
import signal
import sys
import tempfile
import time

try:
    import seccomp
except ImportError:
    sys.stderr.write("python3-seccomp is missing: apt-get install python3-seccomp\n")
    sys.exit(3)

NATIVE = seccomp.system_arch() & 0xFFFFFFFF


def arch_const(name):
    return getattr(seccomp.Arch, name.upper())


def build(p):
    t0 = time.process_time()
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
    if p.get("tskip"):
        f.set_attr(seccomp.Attr.API_TSKIP, 1)
    for r in p["rules"]:
        args = [seccomp.Arg(a[0], a[1], a[2], a[3]) for a in r.get("args", [])]
        f.add_rule(r["action"], r["syscall"], *args)
    with tempfile.TemporaryFile() as tmp:
        f.export_bpf(tmp)
        ms = (time.process_time() - t0) * 1000
        tmp.seek(0)
        hexed = tmp.read().hex()
    pfc = None
    if p.get("pfc"):
        with tempfile.TemporaryFile(mode="w+") as tmp:
            f.export_pfc(tmp)
            tmp.seek(0)
            pfc = tmp.read()
    return hexed, ms, pfc


def compile_in_child(line, limit=5.0):
    """Compiles in a forked child so a pathological policy can be cut off:
    libseccomp's tree building can take minutes on some random policies, and
    a signal cannot interrupt it inside C."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            hexed, ms, pfc = build(json.loads(line))
            out = {"ok": True, "hex": hexed}
            if pfc is not None:
                out["pfc"] = pfc
            if os.environ.get("SYSWALL_HARNESS_TIME"):
                out["ms"] = ms
        except Exception as e:  # noqa: BLE001 - report every refusal
            out = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        data = json.dumps(out).encode()
        while data:
            n = os.write(w, data)
            data = data[n:]
        os._exit(0)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + limit
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            os.kill(pid, signal.SIGKILL)
            os.close(r)
            os.waitpid(pid, 0)
            return {"ok": False, "error": "timeout: libseccomp took longer than %g s" % limit}
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    sys.stdout.write(json.dumps(compile_in_child(line)) + "\n")
    sys.stdout.flush()
