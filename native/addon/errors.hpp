// Errors as they cross into JavaScript, as structured values (lib/native.ts reads the fields;
// nothing parses a message):
//   ConfigInvalid      RangeError, code "LORADYN_INVALID", issues [{ path, message }]
//   invalid_argument   the same, one issue at the call's context (see capture)
//   ThreadStartError   Error, code "LORADYN_THREADS"
//   std::bad_alloc     Error, code "LORADYN_OUT_OF_MEMORY"
//   anything else      Error, code "LORADYN_NATIVE"
// Errors met on a worker thread are captured as plain data (ErrorInfo) and turned into JS
// values on the main thread.
#pragma once
#include <napi.h>

#include <exception>
#include <string>
#include <vector>

#include "../core/model/config_issue.hpp"

namespace loradyn_addon {

struct ErrorInfo {
  std::string code;  // LORADYN_INVALID, LORADYN_THREADS, LORADYN_OUT_OF_MEMORY, LORADYN_NATIVE
  std::string message;
  std::vector<loradyn::ConfigIssue> issues;  // LORADYN_INVALID only
};

// An error as data. `prefix` goes before every issue path ("[2]" for the third config of a
// batch). In a call on user-given values (`context` set: "theory", "vit"), a core
// std::invalid_argument or std::domain_error (a reversed interval, a diverging integral)
// becomes one issue whose path is `context`.
ErrorInfo capture(std::exception_ptr e, const std::string& prefix = "", const std::string& context = "");
Napi::Error to_js(Napi::Env env, const ErrorInfo& info);

// Runs f; a C++ exception leaves as the JS error above (a Napi::Error passes through).
template <class F>
auto guarded(Napi::Env env, F&& f, const char* context = "") -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw to_js(env, capture(std::current_exception(), "", context));
  }
}

}  // namespace loradyn_addon
