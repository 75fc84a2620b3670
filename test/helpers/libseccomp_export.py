#!/usr/bin/python3
"""Compile a rule set with libseccomp (python3-seccomp) and write the raw BPF to stdout.

Input (JSON on stdin):
  {"arches": ["x86_64", ...], "default": "ERRNO(1)", "badarch": "KILL" (optional),
   "optimize": 1|2, "rules": [{"action": "ALLOW", "syscall": "read",
   "args": [{"arg": 0, "op": "EQ", "a": 1}]}]  (a, b = libseccomp's datum_a, datum_b:
   for MASKED_EQ a is the mask and b the value),
   or "docker": {"profile": PATH, "arch": "amd64", "caps": [...]} to load a Docker profile.
Rules libseccomp rejects (unknown names, action == default) are skipped and
listed on stderr, as runc does.
"""
import json
import os
import sys
import time

try:
    import seccomp
except ImportError:
    sys.stderr.write("python3-seccomp is missing: apt-get install python3-seccomp (and use /usr/bin/python3)\n")
    sys.exit(3)

ARCH = {"x86_64": seccomp.Arch.X86_64, "x86": seccomp.Arch.X86, "x32": seccomp.Arch.X32,
        "aarch64": seccomp.Arch.AARCH64, "arm": seccomp.Arch.ARM}
OPS = {"NE": seccomp.NE, "LT": seccomp.LT, "LE": seccomp.LE, "EQ": seccomp.EQ, "GE": seccomp.GE,
       "GT": seccomp.GT, "MASKED_EQ": seccomp.MASKED_EQ}
DOCKER_ARCH = {"SCMP_ARCH_X86_64": "x86_64", "SCMP_ARCH_X86": "x86", "SCMP_ARCH_X32": "x32",
               "SCMP_ARCH_AARCH64": "aarch64", "SCMP_ARCH_ARM": "arm"}


def action(text):
    text = text.replace("SCMP_ACT_", "")
    name, _, rest = text.partition("(")
    data = int(rest.rstrip(")"), 0) if rest else None
    if name == "ALLOW":
        return seccomp.ALLOW
    if name == "ERRNO":
        return seccomp.ERRNO(data if data is not None else 1)
    if name in ("KILL", "KILL_THREAD"):
        return seccomp.KILL
    if name == "KILL_PROCESS":
        return seccomp.KILL_PROCESS
    if name == "TRAP":
        return seccomp.TRAP
    if name == "LOG":
        return seccomp.LOG
    if name == "TRACE":
        return seccomp.TRACE(data or 0)
    raise SystemExit("unknown action " + text)


def docker_rules(spec):
    prof = json.load(open(spec["profile"]))
    arch, caps = spec.get("arch", "amd64"), set(spec.get("caps", []))
    arches = []
    for m in prof.get("archMap", []):
        if DOCKER_ARCH.get(m["architecture"]) == {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch):
            arches = [DOCKER_ARCH[m["architecture"]]] + [DOCKER_ARCH[a] for a in m.get("subArchitectures", []) if a in DOCKER_ARCH]
    default = prof["defaultAction"].replace("SCMP_ACT_", "")
    if default == "ERRNO":
        default = "ERRNO(%d)" % prof.get("defaultErrnoRet", 1)
    rules = []
    for s in prof["syscalls"]:
        inc, exc = s.get("includes", {}), s.get("excludes", {})
        if inc.get("arches") and arch not in inc["arches"]:
            continue
        if inc.get("caps") and not set(inc["caps"]) <= caps:
            continue
        if exc.get("arches") and arch in exc["arches"]:
            continue
        if exc.get("caps") and set(exc["caps"]) & caps:
            continue
        act = s["action"].replace("SCMP_ACT_", "")
        if act == "ERRNO":
            act = "ERRNO(%d)" % s.get("errnoRet", 1)
        args = s.get("args") or []
        # runc: several conditions on the same index become separate rules
        by_index = {}
        for a in args:
            by_index.setdefault(a["index"], []).append(a)
        combos = [[]]
        for idx in sorted(by_index):
            combos = [c + [a] for c in combos for a in by_index[idx]]
        for name in s["names"]:
            for combo in combos:
                rules.append({"action": act, "syscall": name, "args": [
                    {"arg": a["index"], "op": a["op"].replace("SCMP_CMP_", ""), "a": a["value"],
                     "b": a.get("valueTwo", 0)} for a in combo]})
    return arches, default, rules


def main():
    spec = json.load(sys.stdin)
    if "docker" in spec:
        arches, default, rules = docker_rules(spec["docker"])
        rules += spec.get("rules", [])
    else:
        arches, default, rules = spec["arches"], spec["default"], spec["rules"]
    t0 = time.perf_counter()
    f = seccomp.SyscallFilter(action(default))
    if spec.get("badarch"):
        f.set_attr(seccomp.Attr.ACT_BADARCH, action(spec["badarch"]))
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, int(spec.get("optimize", 1)))
    native = seccomp.Arch.NATIVE
    want = [ARCH[a] for a in arches]
    for a in want:
        if not f.exist_arch(a):
            f.add_arch(a)
    if seccomp.system_arch() & 0xffffffff not in [int(a) & 0xffffffff for a in want] or "x32" in arches and "x86_64" not in arches:
        f.remove_arch(native)
    skipped = []
    for r in rules:
        args = []
        for a in r.get("args", []):
            if a["op"] == "MASKED_EQ":
                args.append(seccomp.Arg(a["arg"], seccomp.MASKED_EQ, a["a"], a.get("b", 0)))
            else:
                args.append(seccomp.Arg(a["arg"], OPS[a["op"]], a["a"]))
        try:
            f.add_rule(action(r["action"]), r["syscall"], *args)
        except Exception as e:  # unknown name, action == default, ...
            skipped.append("%s: %s" % (r["syscall"], e))
    if skipped:
        sys.stderr.write("skipped %d rules\n" % len(skipped))
    sys.stdout.flush()
    f.export_bpf(sys.stdout.buffer)
    if os.environ.get("SYSWALL_BENCH_TIME"):
        # rule adds + code generation, for benchmarks
        sys.stderr.write("TIME %f\n" % (time.perf_counter() - t0))


main()
