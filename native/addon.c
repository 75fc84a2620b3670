/* Module entry of the syswall addon: registers every module's functions. */
#include "addon.h"

static napi_value init(napi_env env, napi_value exports) {
  if (sw_register_core(env, exports) != napi_ok) return NULL;
  if (sw_register_notify(env, exports) != napi_ok) return NULL;
  if (sw_register_agent(env, exports) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
