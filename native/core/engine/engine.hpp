// Which simulator runs a config, and on which backend. The single entry point the addon,
// the native check programs and the benchmarks call.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../model/record.hpp"

namespace loradyn {

enum class Engine { Full, Reduced, Ode };
enum class BackendKind { Cpu, Cuda };

Engine parse_engine(const std::string& name);  // throws std::invalid_argument
const char* engine_name(Engine e);

// A backend runs many seeds of one config. CPU and CUDA both implement it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  virtual bool supports(Engine e) const = 0;
  // Whether it runs this particular config (shape limits of a GPU kernel, say): "auto" picks
  // a backend only when this holds. Defaults to supports(e).
  virtual bool supports_config(Engine e, const RunConfig& cfg) const {
    (void)cfg;
    return supports(e);
  }
  virtual std::vector<RunRecord> run(Engine e, const RunConfig& cfg,
                                     const std::vector<uint64_t>& seeds, int threads,
                                     const RunControl& ctl) = 0;
};

Backend& cpu_backend();

// One run on the CPU, single-threaded (the unit every backend's result is checked against).
RunRecord run_one_cpu(Engine e, const RunConfig& cfg, uint64_t seed, const RunControl& ctl);

}  // namespace loradyn
