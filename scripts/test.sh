#!/usr/bin/env bash
# Runs every test of esimscope, the way CI does (.ci/run calls this very command):
#  1. installs missing Debian packages (scripts/deps.sh);
#  2. builds the libFuzzer harnesses with clang and fuzzes each for a bounded time;
#  3. runs the README's quick start (scripts/quickstart.sh: build/ without sanitizers, the main job
#     on the bundled sample) and checks its output;
#  4. runs tshark with the Wireshark plugin of that build on the samples (scripts/test-plugin.sh;
#     without sanitizers: a sanitized .so cannot load into Debian's tshark);
#  5. builds everything with AddressSanitizer + UndefinedBehaviorSanitizer and runs all unit, CLI
#     and tshark tests with CTest (its summary is the last thing printed).
#  Opt-in: ESIM_PLUGIN_SANITIZE=1 also builds the plugin with ASan+UBSan and runs the tshark tests
#  with the ASan runtime preloaded (scripts/test-plugin.sh --sanitize; about 10 more minutes on 2
#  cores). Long fuzzing: scripts/fuzz-long.sh.
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

echo "== quick start (the README's first command) =="
bash scripts/quickstart.sh > build-quickstart.log 2>&1 || { tail -n 30 build-quickstart.log; exit 1; }
for want in "INSTALLED" "smdpSign: *valid" "certificate chain: OK" "Result: verified" "pe_count: "; do
  grep -Eq "$want" build-quickstart.log || { cat build-quickstart.log; echo "FAIL: quick start output lacks /$want/"; exit 1; }
done
echo "ok: quickstart.sh: session installed, BPP verified, profile decoded"
stage=$(mktemp -d)
DESTDIR="$stage" cmake --install build >/dev/null
for f in bin/esimscope share/man/man1/esimscope.1; do
  [ -n "$(find "$stage" -path "*/$f" -type f)" ] || { find "$stage" -type f; echo "FAIL: cmake --install lacks $f"; exit 1; }
done
rm -rf "$stage"
echo "ok: cmake --install: esimscope, its man page (the plugin is checked with the tshark tests)"

echo "== Wireshark plugin in Debian's tshark =="
ESIM_PLUGIN_BUILD_DIR=$PWD/build bash scripts/test-plugin.sh
if [ "${ESIM_PLUGIN_SANITIZE:-0}" = 1 ]; then
  echo "== Wireshark plugin under ASan + UBSan in Debian's tshark (opt-in) =="
  ESIM_PLUGIN_FUZZ_SECONDS=${ESIM_PLUGIN_FUZZ_SECONDS:-20} bash scripts/test-plugin.sh --sanitize
fi

echo "== ASan + UBSan build and tests =="
cmake -S . -B build-test -DESIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-test -j"$jobs" >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-test --output-on-failure -j"$jobs"
