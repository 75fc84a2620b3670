{
  "targets": [
    {
      "target_name": "syswall_addon",
      "sources": ["native/addon.c", "native/addon_core.c", "native/addon_notify.c", "native/addon_agent.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-D_GNU_SOURCE", "-fstack-protector-strong"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    },
    {
      "target_name": "syswall-helper",
      "type": "executable",
      "sources": ["native/helper.c", "native/helper_exec.c", "native/helper_dump.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-D_GNU_SOURCE", "-fstack-protector-strong"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
