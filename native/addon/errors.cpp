#include "errors.hpp"

#include <new>
#include <stdexcept>

#include "../core/util/thread_start.hpp"

namespace loradyn_addon {
using loradyn::ConfigInvalid;
using loradyn::ConfigIssue;

namespace {
// What the core refused in a call on user-given values (`context` set: theory, vit) is bad
// input; elsewhere (a simulation) it is the engine's own failure.
void refused(ErrorInfo& info, const char* what, const std::string& prefix, const std::string& context) {
  if (context.empty()) {
    info.code = "LORADYN_NATIVE";
    info.message = what;
    return;
  }
  info.code = "LORADYN_INVALID";
  info.issues.push_back({prefix.empty() ? context : prefix + "." + context, what});
  info.message = ConfigInvalid(info.issues).what();
}
}  // namespace

ErrorInfo capture(std::exception_ptr e, const std::string& prefix, const std::string& context) {
  ErrorInfo info;
  try {
    std::rethrow_exception(e);
  } catch (const ConfigInvalid& x) {
    info.code = "LORADYN_INVALID";
    for (const ConfigIssue& i : x.issues())
      info.issues.push_back({prefix.empty()   ? i.path
                             : i.path.empty() ? prefix
                                              : prefix + (i.path[0] == '[' ? "" : ".") + i.path,
                             i.message});
    info.message = ConfigInvalid(info.issues).what();
  } catch (const loradyn::ThreadStartError& x) {
    info.code = "LORADYN_THREADS";
    info.message = x.what();
  } catch (const std::bad_alloc&) {
    info.code = "LORADYN_OUT_OF_MEMORY";
    info.message = "out of memory: the native engine could not allocate what this call needs";
  } catch (const std::invalid_argument& x) {
    refused(info, x.what(), prefix, context);
  } catch (const std::domain_error& x) {
    refused(info, x.what(), prefix, context);
  } catch (const std::exception& x) {
    info.code = "LORADYN_NATIVE";
    info.message = x.what();
  } catch (...) {
    info.code = "LORADYN_NATIVE";
    info.message = "unknown native error";
  }
  if (!prefix.empty() && info.code != "LORADYN_INVALID") info.message = prefix + " " + info.message;
  return info;
}

Napi::Error to_js(Napi::Env env, const ErrorInfo& info) {
  Napi::Error err =
      info.code == "LORADYN_INVALID" ? Napi::RangeError::New(env, info.message) : Napi::Error::New(env, info.message);
  err.Set("code", Napi::String::New(env, info.code));
  if (info.code == "LORADYN_INVALID") {
    Napi::Array issues = Napi::Array::New(env, info.issues.size());
    for (size_t i = 0; i < info.issues.size(); ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("path", info.issues[i].path);
      o.Set("message", info.issues[i].message);
      issues.Set(static_cast<uint32_t>(i), o);
    }
    err.Set("issues", issues);
  }
  return err;
}

}  // namespace loradyn_addon
