// The one set of argument readers: a JS value and the path that names it ("model.d",
// "[2].seeds", "mu[3]"). Every reader either returns a C++ value or throws ConfigInvalid
// naming the path, so a bad argument from any caller is an issue, never a crash.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../core/activations/activation.hpp"
#include "../core/model/config_issue.hpp"

namespace loradyn_addon {

class Arg {
 public:
  Arg(Napi::Value value, std::string path) : v_(value), path_(std::move(path)) {}
  // Argument i of a call, named `name` in errors.
  static Arg of(const Napi::CallbackInfo& info, size_t i, const char* name) {
    return Arg(i < info.Length() ? info[i] : info.Env().Undefined(), name);
  }

  const std::string& path() const { return path_; }
  Napi::Value value() const { return v_; }
  bool missing() const { return v_.IsUndefined() || v_.IsNull(); }
  bool is_string() const { return v_.IsString(); }
  bool is_number() const { return v_.IsNumber(); }
  [[noreturn]] void fail(const std::string& message) const { throw loradyn::ConfigInvalid(path_, message); }
  [[noreturn]] void fail_at(size_t i, const std::string& message) const {
    throw loradyn::ConfigInvalid(path_ + "[" + std::to_string(i) + "]", message);
  }

  // A field of an object (the value must be an object) and an element of an array.
  Arg operator[](const char* key) const;
  Arg at(uint32_t i) const;
  uint32_t length() const;  // of an array

  double number() const;  // any number, NaN and infinities included
  double finite() const;  // a finite number
  int64_t integer(int64_t lo, int64_t hi) const;
  uint64_t seed() const { return static_cast<uint64_t>(integer(0, kMaxSafe)); }
  bool boolean() const;
  std::string string() const;
  Napi::Object object() const;
  Napi::Function function() const;
  std::vector<double> doubles() const;     // an array of numbers or a Float64Array
  std::vector<float> floats() const;       // a Float32Array
  std::vector<int> ints() const;           // an Int32Array
  loradyn::Activation activation() const;  // a name or { hermite: [c0, c1, ...] }

  // Defaults for optional values (undefined or null).
  double number_or(double dflt) const { return missing() ? dflt : number(); }
  int64_t integer_or(int64_t dflt, int64_t lo, int64_t hi) const { return missing() ? dflt : integer(lo, hi); }
  bool boolean_or(bool dflt) const { return missing() ? dflt : boolean(); }
  std::string string_or(const std::string& dflt) const { return missing() ? dflt : string(); }

  static constexpr int64_t kMaxSafe = 9007199254740991;  // 2^53 - 1

 private:
  Napi::Value v_;
  std::string path_;
};

// Typed arrays that own a vector's memory (no copy); the buffer frees it.
Napi::Float64Array adopt(Napi::Env env, std::vector<double>&& v);
Napi::Float32Array adopt(Napi::Env env, std::vector<float>&& v);
Napi::Int32Array adopt(Napi::Env env, std::vector<int>&& v);

}  // namespace loradyn_addon
