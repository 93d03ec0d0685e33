#!/usr/bin/env bash
# Builds the Wireshark plugin without sanitizers in build-plugin/ (or, with --sanitize, with them;
# see below) and runs the tshark tests of tests/plugin/ with it: the real tshark,
# the real plugin, run as `nobody` (Wireshark ignores plugin folders when run as root).
# Environment: ESIM_JOBS (default: cores), ESIM_PLUGIN_FUZZ_SECONDS (default 50),
# ESIM_PLUGIN_PERF_COPIES (default 40). The tests get ESIM_BUILD_DIR, where esimscope is built
# too (for cross-checks with the core). Exit status: 0 all passed, 1 a test failed.
#
# --sanitize: the plugin and the core built with ASan+UBSan (-DESIM_PLUGIN_SANITIZE=ON, in
# build-plugin-asan/), run in Debian's uninstrumented tshark with the compiler's ASan runtime
# preloaded (LD_PRELOAD); any report aborts tshark and fails the test. Every test but the timing
# one (t_perf) runs: the samples, and editcap -E variants for ESIM_PLUGIN_FUZZ_SECONDS.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
sanitize=0
[ "${1:-}" = "--sanitize" ] && sanitize=1
if [ $sanitize = 1 ]; then
  build=${ESIM_PLUGIN_BUILD_DIR:-$src/build-plugin-asan}
  flavour=-DESIM_PLUGIN_SANITIZE=ON
  asan=$(readlink -f "$(${CC:-gcc} -print-file-name=libasan.so)")
  [ -f "$asan" ] || { echo "FAIL: no ASan runtime (${CC:-gcc} -print-file-name=libasan.so)"; exit 1; }
  export ESIM_TSHARK_PRELOAD=$asan
  # leaks: tshark's own allocations at exit are not ours; everything else aborts
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
  echo "sanitized plugin: tshark runs with LD_PRELOAD=$asan"
else
  build=${ESIM_PLUGIN_BUILD_DIR:-$src/build-plugin}
  flavour=-DESIM_PLUGIN_SANITIZE=OFF
fi
jobs=${ESIM_JOBS:-$(nproc)}

cmake -S . -B "$build" -DESIM_SANITIZE=OFF -DESIM_FUZZ=OFF -DESIM_BUILD_PLUGIN=ON $flavour \
  -DESIM_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; echo "FAIL: configure"; exit 1; }
grep "esim plugin" "$build.configure.log"
cmake --build "$build" -j"$jobs" --target esim_plugin esimscope >"$build.build.log" 2>&1 \
  || { tail -30 "$build.build.log"; echo "FAIL: plugin build"; exit 1; }
so=$build/plugin/4.0/epan/esim.so
if [ ! -f "$so" ]; then
  echo "FAIL: $so was not built (wireshark-dev 4.0 missing? see $build.configure.log)"
  exit 1
fi

failed=0
# cmake --install puts the plugin where tshark looks for global plugins
stage=$(mktemp -d)
if DESTDIR="$stage" cmake --install "$build" --component plugin >/dev/null; then
  global=$(tshark -G folders 2>/dev/null | awk -F'\t' '/^Global Plugins/ { sub(/:$/, "", $1); print $2 }')
  if [ -n "$global" ] && [ -f "$stage$global/epan/esim.so" ]; then
    echo "ok: cmake --install puts esim.so into tshark's global plugin folder $global/epan"
  else
    echo "FAIL: installed files:"; find "$stage" -type f; echo "tshark global plugins: $global"
    failed=1
  fi
else
  echo "FAIL: cmake --install --component plugin"
  failed=1
fi
rm -rf "$stage"

# the captures the tests generate are kept (tests/plugin/lib.sh) for the agreement test, which
# runs last and compares esimscope with the plugin on them as on the samples
keep=$(mktemp -d /tmp/esim-plugin-captures.XXXXXX)
chmod 755 "$keep"
for t in $(ls tests/plugin/t_*.sh | grep -v '/t_agree\.sh$') tests/plugin/t_agree.sh; do
  if [ $sanitize = 1 ] && [ "$t" = tests/plugin/t_perf.sh ]; then
    echo "SKIP $t (timings mean nothing under ASan)"
    continue
  fi
  echo "== $t"
  ESIM_PLUGIN_SO=$so ESIM_BUILD_DIR=$build ESIM_SOURCE_DIR=$src ESIM_KEEP_CAPTURES=$keep sh "$t"
  rc=$?
  case $rc in
    0) echo "PASS $t" ;;
    77) echo "SKIP $t" ;;
    *) echo "FAIL $t (exit $rc)"; failed=1 ;;
  esac
done
rm -rf "$keep"
[ $failed = 0 ] && echo "plugin tests: all passed" || echo "plugin tests: FAILED"
exit $failed
