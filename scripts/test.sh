#!/usr/bin/env bash
# Runs every test of esimscope, the way CI does (.ci/run calls this very command):
#  1. installs missing Debian packages (scripts/deps.sh);
#  2. builds the libFuzzer harnesses with clang and fuzzes each for a bounded time;
#  3. builds the Wireshark plugin (without sanitizers: it loads into Debian's tshark) and runs
#     tshark with it on the samples (scripts/test-plugin.sh);
#  4. builds everything with AddressSanitizer + UndefinedBehaviorSanitizer and runs all unit, CLI
#     and tshark tests with CTest (its summary is the last thing printed).
# Environment: ESIM_FUZZ_SECONDS (default 20 per harness), ESIM_JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${ESIM_JOBS:-$(nproc)}

bash scripts/deps.sh

echo "== fuzz harnesses (${ESIM_FUZZ_SECONDS:-20} s each) =="
CC=clang cmake -S . -B build-fuzz -DESIM_FUZZ=ON -DESIM_BUILD_PLUGIN=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESIM_FUZZ_SECONDS="${ESIM_FUZZ_SECONDS:-20}" >/dev/null
cmake --build build-fuzz -j"$jobs" >/dev/null
ctest --test-dir build-fuzz --output-on-failure -j"$jobs"

if [ -f scripts/test-plugin.sh ]; then
  echo "== Wireshark plugin in Debian's tshark =="
  bash scripts/test-plugin.sh
fi

echo "== ASan + UBSan build and tests =="
cmake -S . -B build-test -DESIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-test -j"$jobs" >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-test --output-on-failure -j"$jobs"
