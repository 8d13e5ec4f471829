// The one validation of a run, at the core's entry: every rule a config must meet to run with
// an engine on a backend (the shared rules of model/config.hpp, the engine's own, the CUDA
// kernels' limits when the CUDA backend is asked for by name). The addon, the native check
// programs and the test hooks call it once per job before anything is allocated; the
// simulators trust what it passed and do not check again.
#pragma once
#include <string>
#include <vector>

#include "../model/config.hpp"
#include "engine.hpp"

namespace loradyn {

// What a job asks for: "cpu", "cuda" (that backend or an error) or "auto" (CUDA where it is
// available and runs the config, else the CPU).
enum class BackendChoice { Cpu, Cuda, Auto };
const char* backend_choice_name(BackendChoice b);

// Every issue of (cfg, engine, backend); empty when it can run. Engine rules are checked
// only when the shared ones hold (a bad d would make them talk nonsense).
std::vector<ConfigIssue> run_issues(const RunConfig& cfg, Engine engine, BackendChoice backend);

// Throws ConfigInvalid with every issue of run_issues().
void validate_run(const RunConfig& cfg, Engine engine, BackendChoice backend);

}  // namespace loradyn
