/* Placeholder until the supervisor lands: registers nothing yet. */
#include "addon.h"
napi_status sw_register_notify(napi_env env, napi_value exports) { return napi_ok; }
