#include "args.hpp"

#include <cmath>

namespace loradyn_addon {
using loradyn::Activation;

Arg Arg::operator[](const char* key) const {
  const Napi::Object o = object();
  return Arg(o.Get(key), path_.empty() ? std::string(key) : path_ + "." + key);
}

Arg Arg::at(uint32_t i) const {
  if (!v_.IsArray()) fail("must be an array");
  return Arg(v_.As<Napi::Array>().Get(i), path_ + "[" + std::to_string(i) + "]");
}

uint32_t Arg::length() const {
  if (!v_.IsArray()) fail("must be an array");
  return v_.As<Napi::Array>().Length();
}

double Arg::number() const {
  if (!v_.IsNumber()) fail("must be a number");
  return v_.As<Napi::Number>().DoubleValue();
}

double Arg::finite() const {
  const double x = number();
  if (!std::isfinite(x)) fail("must be a finite number");
  return x;
}

int64_t Arg::integer(int64_t lo, int64_t hi) const {
  const double x = v_.IsNumber() ? v_.As<Napi::Number>().DoubleValue() : NAN;
  const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!v_.IsNumber()) fail("must be an integer in " + range);
  if (!(x >= static_cast<double>(lo) && x <= static_cast<double>(hi)) || x != std::floor(x))
    fail("must be an integer in " + range);
  return static_cast<int64_t>(x);
}

bool Arg::boolean() const {
  if (!v_.IsBoolean()) fail("must be a boolean");
  return v_.As<Napi::Boolean>().Value();
}

std::string Arg::string() const {
  if (!v_.IsString()) fail("must be a string");
  return v_.As<Napi::String>().Utf8Value();
}

Napi::Object Arg::object() const {
  if (!v_.IsObject() || v_.IsArray()) fail("must be an object");
  return v_.As<Napi::Object>();
}

Napi::Function Arg::function() const {
  if (!v_.IsFunction()) fail("must be a function");
  return v_.As<Napi::Function>();
}

std::vector<double> Arg::doubles() const {
  if (v_.IsTypedArray() && v_.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    const auto a = v_.As<Napi::Float64Array>();
    return std::vector<double>(a.Data(), a.Data() + a.ElementLength());
  }
  if (!v_.IsArray()) fail("must be an array of numbers");
  const auto a = v_.As<Napi::Array>();
  std::vector<double> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw loradyn::ConfigInvalid(path_ + "[" + std::to_string(i) + "]", "must be a number");
    out.push_back(e.As<Napi::Number>().DoubleValue());
  }
  return out;
}

std::vector<float> Arg::floats() const {
  if (!v_.IsTypedArray() || v_.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    fail("must be a Float32Array");
  const auto a = v_.As<Napi::Float32Array>();
  return std::vector<float>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<int> Arg::ints() const {
  if (!v_.IsTypedArray() || v_.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    fail("must be an Int32Array");
  const auto a = v_.As<Napi::Int32Array>();
  return std::vector<int>(a.Data(), a.Data() + a.ElementLength());
}

Activation Arg::activation() const {
  try {
    if (v_.IsString()) return Activation::parse(v_.As<Napi::String>().Utf8Value());
    if (v_.IsObject() && !v_.IsArray()) {
      const Arg h = (*this)["hermite"];
      if (!h.missing()) return Activation::from_hermite(h.doubles());
    }
  } catch (const loradyn::ConfigInvalid&) {
    throw;
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  fail("must be an activation name (e.g. \"erf\", \"he3+he5\") or { hermite: [c0, c1, ...] }");
}

namespace {
template <class T, class A>
A adopt_as(Napi::Env env, std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  const size_t n = owned->size();
  if (n == 0) {
    delete owned;
    return A::New(env, 0);
  }
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(
      env, owned->data(), n * sizeof(T), [](Napi::Env, void*, std::vector<T>* hint) { delete hint; }, owned);
  return A::New(env, n, buf, 0);
}
}  // namespace

Napi::Float64Array adopt(Napi::Env env, std::vector<double>&& v) {
  return adopt_as<double, Napi::Float64Array>(env, std::move(v));
}
Napi::Float32Array adopt(Napi::Env env, std::vector<float>&& v) {
  return adopt_as<float, Napi::Float32Array>(env, std::move(v));
}
Napi::Int32Array adopt(Napi::Env env, std::vector<int>&& v) {
  return adopt_as<int, Napi::Int32Array>(env, std::move(v));
}

}  // namespace loradyn_addon
