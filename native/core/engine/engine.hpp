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

// One config and its seeds: a unit of a batched call (the points of a sweep).
struct RunJob {
  RunConfig cfg;
  std::vector<uint64_t> seeds;
};

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
  virtual std::vector<RunRecord> run(Engine e, const RunConfig& cfg, const std::vector<uint64_t>& seeds, int threads,
                                     const RunControl& ctl) = 0;
  // Several configs of one engine in one call: out[j][k] is the run of jobs[j].seeds[k], the
  // same bits as run() on jobs[j] alone. The default runs the jobs one after another; the CPU
  // spreads all runs over its threads and the CUDA backend gives each launch_groups() group
  // one kernel launch.
  virtual std::vector<std::vector<RunRecord>> run_many(Engine e, const std::vector<RunJob>& jobs, int threads,
                                                       const RunControl& ctl);
};

Backend& cpu_backend();

// One run on the CPU, single-threaded (the unit every backend's result is checked against).
RunRecord run_one_cpu(Engine e, const RunConfig& cfg, uint64_t seed, const RunControl& ctl);

}  // namespace loradyn
