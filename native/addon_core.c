/* Placeholder until the runtime lands: registers nothing yet. */
#include "addon.h"
napi_status sw_register_core(napi_env env, napi_value exports) { return napi_ok; }
