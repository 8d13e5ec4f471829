#!/usr/bin/env bash
# Everything that needs a GPU, in one call of at most ~8 minutes on the device machine
# (nvcc, cmake, python3 with PyTorch, maybe no Node, no package registry):
#   1. build native/check (plain cmake + nvcc, no Node) for CMAKE_CUDA_ARCHITECTURES (default 90);
#   2. loradyn_check: CPU-versus-CUDA agreement cases and kernel timings  -> $OUT/check.json
#      (and the timings of a build with FMA contraction                    -> $OUT/check_fmad.json)
#   3. the PyTorch peer (bench/peers/torch_sgd.py) and torch's generator   -> $OUT/torch.jsonl
#   4. compute-sanitizer memcheck (all agreement cases, --quick) and racecheck (the B = 500 cases)
#                                                                           -> $OUT/sanitizer.txt
#   5. if node and the test runner are present: the addon's GPU tests       -> $OUT/node_tests.txt
# plus $OUT/gpu.txt (nvidia-smi), $OUT/device.log and $OUT/summary.json (everything in one file).
# Each stage has its own timeout, so one hang cannot eat the others' time.
# Usage: OUT=/some/dir bash bench/device.sh     (default OUT: bench/results/device)
# Options (environment):
#   PREBUILT=dir  use dir/loradyn_check and dir/loradyn_check_fmad, or NAME.gz of them (built on another host with the
#                 same cmake line, -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc") and
#                 skip stage 1: a build on the device costs minutes of its lease. Any
#                 dir/loradyn_check_variant_NAME also gets a --timing-only run -> check_variant_NAME.json
#                 (builds that differ in a compile-time setting, timed side by side).
#   SANITIZERS    the compute-sanitizer tools of stage 4 (default "memcheck racecheck").
#   TORCH=0       skip the PyTorch peer (stage 3).
#   PACK=1        at the end, pack everything but summary.json, device.log and check.stderr into
#                 $OUT/device.tgz (the device tool returns at most 8 files).
#   BUDGET_S=n    the whole script's time budget in seconds (default 460).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/results/device}
mkdir -p "$OUT"
start=$(date +%s)
log() { echo "[device +$(( $(date +%s) - start ))s] $*" | tee -a "$OUT/device.log"; }
# The whole script stays under BUDGET_S (default 460 s, inside the 8-minute call): every stage's
# timeout is capped by what is left, and a stage with under 15 s left is skipped.
BUDGET_S=${BUDGET_S:-460}
cap() { local left=$(( BUDGET_S - ($(date +%s) - start) )); local t=$(( $1 < left - 5 ? $1 : left - 5 )); echo $(( t > 0 ? t : 1 )); }
enough() { [ "$(cap 1000)" -ge 15 ]; }
export PATH="$PATH:/usr/local/cuda/bin"

log "date $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
nvidia-smi > "$OUT/gpu.txt" 2>&1 || log "nvidia-smi failed"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >> "$OUT/gpu.txt" 2>&1
nvcc --version | tail -n 2 >> "$OUT/gpu.txt" 2>&1

# 1. Build, twice in parallel: the default (--fmad=false, the CPU's rounding) and an FMA build
#    timed for comparison. The kernels are split over several .cu files, so -j parallelises.
arch=${CUDA_ARCH:-90}
jobs=$(( $(nproc) / 2 > 1 ? $(nproc) / 2 : 1 ))
build() {  # build DIR FMAD
  timeout "$(cap 300)" cmake -S native -B "$1" -DCMAKE_BUILD_TYPE=Release -DLORADYN_ADDON=OFF \
    -DCMAKE_CUDA_ARCHITECTURES="$arch" -DLORADYN_CUDA_FMAD="$2" > "$OUT/$1.log" 2>&1 &&
  timeout "$(cap 300)" cmake --build "$1" -j "$jobs" --target loradyn_check >> "$OUT/$1.log" 2>&1
}
if [ -n "${PREBUILT:-}" ]; then
  # Gzipped binaries (NAME.gz) are unpacked first: the device tool carries at most 64 MiB.
  pdir=$(mktemp -d) && cp "$PREBUILT"/* "$pdir"/ && { gunzip -f "$pdir"/*.gz 2>/dev/null; chmod +x "$pdir"/*; }
  PREBUILT=$pdir
  log "prebuilt binaries: $(ls -l "$PREBUILT" | tail -n +2 | awk '{print $NF, $5}' | tr '\n' ' ')"
  mkdir -p build-check build-check-fmad
  cp "$PREBUILT/loradyn_check" build-check/
  [ -f "$PREBUILT/loradyn_check_fmad" ] && cp "$PREBUILT/loradyn_check_fmad" build-check-fmad/loradyn_check
else
  log "build native/check for sm_$arch (fmad off and on, $jobs jobs each)"
  build build-check OFF & p1=$!
  build build-check-fmad ON & p2=$!
  wait $p1 && log "build-check ok" || { log "build-check FAILED"; tail -n 30 "$OUT/build-check.log"; }
  wait $p2 && log "build-check-fmad ok" || log "build-check-fmad FAILED (see build-check-fmad.log)"
fi

# 2. Agreement and timings (default build), timings only (FMA build).
if [ -x build-check/loradyn_check ] && enough; then
  log "loradyn_check"
  timeout "$(cap 200)" build-check/loradyn_check ${CHECK_ARGS:-} > "$OUT/check.json" 2> "$OUT/check.stderr"
  log "loradyn_check exit $?"
  cat "$OUT/check.stderr"
fi
if [ -x build-check-fmad/loradyn_check ] && enough; then
  log "loradyn_check --timing-only (fmad build)"
  timeout "$(cap 60)" build-check-fmad/loradyn_check --timing-only ${CHECK_ARGS:-} > "$OUT/check_fmad.json" 2> "$OUT/check_fmad.stderr"
  log "loradyn_check (fmad) exit $?"
  cat "$OUT/check_fmad.stderr"
fi

for bin in "${PREBUILT:-/nonexistent}"/loradyn_check_variant_*; do
  [ -x "$bin" ] && enough || continue
  name=${bin##*/loradyn_check_variant_}
  log "loradyn_check --timing-only (variant $name)"
  timeout "$(cap 60)" "$bin" --timing-only ${CHECK_ARGS:-} > "$OUT/check_variant_$name.json" 2> "$OUT/check_variant_$name.stderr"
  log "variant $name exit $?"
  cat "$OUT/check_variant_$name.stderr"
done

# 2b. Memory errors and shared-memory races in every kernel the agreement cases launch.
if [ -x build-check/loradyn_check ] && command -v compute-sanitizer >/dev/null 2>&1; then
  : > "$OUT/sanitizer.txt"
  for tool in ${SANITIZERS:-memcheck racecheck}; do
    enough || { log "compute-sanitizer $tool skipped: out of time"; continue; }
    only=(); [ "$tool" = racecheck ] && only=(--only "B=500")
    log "compute-sanitizer --tool $tool loradyn_check --quick --agreement-only ${only[*]}"
    timeout "$(cap 120)" compute-sanitizer --tool "$tool" --error-exitcode 3 build-check/loradyn_check --quick \
      --agreement-only "${only[@]}" >> "$OUT/sanitizer.txt" 2>&1
    log "compute-sanitizer $tool exit $? ($(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$OUT/sanitizer.txt" | tail -n 1))"
  done
fi

# 3. PyTorch peer: the goal cases (d = 1000; B = 1 with 4096 and 16384 seeds; B = 500).
if [ "${TORCH:-1}" = 0 ]; then
  log "PyTorch peer skipped (TORCH=0)"
elif python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  : > "$OUT/torch.jsonl"
  peer() {
    enough || { log "torch_sgd.py $* skipped: out of time"; return; }
    log "torch_sgd.py $*"
    timeout "$(cap 90)" python3 bench/peers/torch_sgd.py --d 1000 "$@" >> "$OUT/torch.jsonl" 2>> "$OUT/torch.stderr" ||
      log "torch_sgd.py $* failed or timed out (see torch.stderr)"
  }
  peer --batch 1 --seeds 4096 --steps 2000 --generator --compile
  peer --batch 1 --seeds 16384 --steps 1000 --compile
  peer --batch 500 --seeds 1024 --steps 20 --inner 2
  peer --batch 500 --seeds 64 --steps 200 --inner 20 --compile
  cat "$OUT/torch.jsonl"
else
  log "no PyTorch with CUDA here; the peer is not timed"
fi

# 5. The addon's GPU tests, when this machine has Node and the copied tree has the test
#    runner and a built addon (carry build-cuda, dist and node_modules from a build host).
if command -v node >/dev/null 2>&1 && [ -f build-cuda/Release/loradyn.node ] && [ -d node_modules/tap ] && enough; then
  [ -d dist/test ] || npx tsc -p tsconfig.json
  log "node tests with build-cuda/Release/loradyn.node"
  LORADYN_BINARY=build-cuda/Release/loradyn.node timeout "$(cap 150)" npx tap --disable-coverage --timeout=150 \
    dist/test/cuda.test.js > "$OUT/node_tests.txt" 2>&1
  log "node tests exit $? ($(grep -E '^# \{ total' "$OUT/node_tests.txt" | tail -n 1))"
else
  log "node GPU tests not run: needs node, build-cuda/Release/loradyn.node and node_modules/tap (loradyn_check ran the same agreement cases)"
fi

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name)
    if not os.path.exists(p): return None
    try:
        if name.endswith('.jsonl'):
            return [json.loads(l) for l in open(p) if l.strip()]
        return json.load(open(p))
    except Exception as e:
        return {"unreadable": str(e)}
summary = {"gpu": open(os.path.join(out, "gpu.txt")).read().strip().splitlines()[-3:] if os.path.exists(os.path.join(out, "gpu.txt")) else None,
           "check": load("check.json"), "check_fmad": load("check_fmad.json"), "torch": load("torch.jsonl")}
c, t = summary["check"], summary["torch"]
if isinstance(c, dict) and isinstance(t, list):
    ratios = {}
    for row in [r for r in c.get("timing", []) if r.get("engine", "full") == "full"]:
        peers = [p for p in t if p.get("batch") == row["batch"] and p.get("seeds") == row["seeds"] and "steps_per_s" in p]
        if peers:
            best = max(p["steps_per_s"] for p in peers)
            ratios[row["case"]] = {"loradyn_steps_per_s": row["steps_per_s"], "best_torch_steps_per_s": best,
                                   "speedup": row["steps_per_s"] / best,
                                   "fraction_of_generator": row.get("fraction_of_generator")}
    summary["vs_torch"] = ratios
if isinstance(c, dict):
    # Which agreement cases matched the CPU to the last bit (the general reduced chain's goal).
    summary["agreement"] = [{k: r.get(k) for k in ("case", "ok", "bit_identical", "worst_m", "escape_identical", "escape_total")}
                            for r in c.get("agreement", [])]
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1)
print(json.dumps(summary.get("vs_torch", {}), indent=1))
PY
log "done in $(( $(date +%s) - start ))s"
if [ -n "${PACK:-}" ]; then
  tar czf /tmp/loradyn-device.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -maxdepth 1 \
    ! -name summary.json ! -name device.log ! -name check.stderr -exec rm -rf {} + &&
    mv /tmp/loradyn-device.tgz "$OUT/device.tgz"
fi
