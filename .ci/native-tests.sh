#!/usr/bin/env bash
# CI step: the core's native tests (native/test), without Node or CUDA, twice:
#  1. optimised: the test files linked against the core objects npm ci already compiled
#     (build/Release/obj.target/loradyn/native/core), so only the tests are compiled here;
#  2. under AddressSanitizer and UndefinedBehaviorSanitizer together (-O1 -g), the core
#     sources without the ViT (the tests do not use it), compiled in parallel.
# Any sanitizer report fails the step (UBSan does not recover; ASan stops at the first error).
set -euo pipefail
cd "$(dirname "$0")/.."
export OUT=build/native-test
mkdir -p "$OUT/asan"
export CXXFLAGS_BASE="-std=c++17 -pthread -ffp-contract=off -fno-math-errno"
export SANFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"

objs=$(find build/Release/obj.target/loradyn/native/core -name '*.o' | sort)
[ -n "$objs" ] || { echo "native-tests: no core objects under build/Release (run npm ci first)"; exit 1; }
# shellcheck disable=SC2086
g++ $CXXFLAGS_BASE -O2 native/test/*.cpp $objs -o "$OUT/loradyn_native_test"
"$OUT/loradyn_native_test"

srcs="$(node native/sources.cjs core | grep -v '^native/core/vit/') $(ls native/test/*.cpp)"
# shellcheck disable=SC2086
printf '%s\n' $srcs | xargs -P "${JOBS:-2}" -n 1 sh -c \
  'g++ $CXXFLAGS_BASE $SANFLAGS -c "$0" -o "$OUT/asan/$(echo "$0" | tr / _).o"'
# shellcheck disable=SC2046
g++ $CXXFLAGS_BASE $SANFLAGS $(ls "$OUT"/asan/*.o) -o "$OUT/loradyn_native_test_asan"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 "$OUT/loradyn_native_test_asan"
