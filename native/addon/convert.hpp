// JS values -> core structs. The TypeScript layer has validated and filled in the config;
// these readers still check types so that a direct caller gets a TypeError, not a crash.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../core/engine/engine.hpp"
#include "../core/model/config.hpp"

namespace loradyn_addon {

double get_number(const Napi::Object& o, const char* key, const std::string& path);
int64_t get_int(const Napi::Object& o, const char* key, const std::string& path);
bool get_bool(const Napi::Object& o, const char* key, const std::string& path);
std::string get_string(const Napi::Object& o, const char* key, const std::string& path);
Napi::Object get_object(const Napi::Object& o, const char* key, const std::string& path);
std::vector<double> to_doubles(const Napi::Value& v, const std::string& path);

loradyn::Activation to_activation(const Napi::Value& v, const std::string& path);
loradyn::RunConfig to_run_config(const Napi::Object& cfg);
// train.optimizer, train.weightDecay, train.lrRatio, model.adapter, record.lossThresholds
// (convert_practice.cpp): each may be absent, which leaves the default.
void read_practice_fields(const Napi::Object& cfg, loradyn::RunConfig& c);
std::vector<uint64_t> to_seeds(const Napi::Value& v);

// Moves a vector into an ArrayBuffer without copying; the buffer owns the memory.
Napi::Float64Array adopt(Napi::Env env, std::vector<double>&& v);
Napi::Object record_to_js(Napi::Env env, loradyn::RunRecord&& r);

}  // namespace loradyn_addon
