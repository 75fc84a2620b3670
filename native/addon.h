/* syswall Node-API addon: the few calls that must run inside Node.
 * Each module registers its functions on the exports object. */
#ifndef SYSWALL_ADDON_H
#define SYSWALL_ADDON_H
#include <node_api.h>

/* addon_core.c: seccomp(2) on the current process, fd passing. */
napi_status sw_register_core(napi_env env, napi_value exports);
/* addon_notify.c: user-notification listener (RECV/SEND/ID_VALID/ADDFD, uv_poll). */
napi_status sw_register_notify(napi_env env, napi_value exports);
/* addon_agent.c: the OCI seccomp agent's unix socket (listen, accept, recvmsg with fds, readiness). */
napi_status sw_register_agent(napi_env env, napi_value exports);

/* addon_core.c: an Error with `errno` (a number) and `syscall`; the TypeScript
 * side names the errno with src/core's table. */
napi_value sw_errno_error(napi_env env, int e, const char *syscall_name);
napi_value sw_throw_errno(napi_env env, int e, const char *syscall_name);

#endif
