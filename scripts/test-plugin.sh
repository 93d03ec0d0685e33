#!/usr/bin/env bash
# Builds the Wireshark plugin WITHOUT sanitizers (a sanitized .so cannot load into Debian's
# tshark) in build-plugin/ and runs the tshark tests of tests/plugin/ with it: the real tshark,
# the real plugin, run as `nobody` (Wireshark ignores plugin folders when run as root).
# Environment: ESIM_JOBS (default: cores), ESIM_PLUGIN_FUZZ_SECONDS (default 50),
# ESIM_PLUGIN_PERF_COPIES (default 40). The tests get ESIM_BUILD_DIR, where esimscope is built
# too (for cross-checks with the core). Exit status: 0 all passed, 1 a test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${ESIM_PLUGIN_BUILD_DIR:-$src/build-plugin}
jobs=${ESIM_JOBS:-$(nproc)}

cmake -S . -B "$build" -DESIM_SANITIZE=OFF -DESIM_FUZZ=OFF -DESIM_BUILD_PLUGIN=ON \
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
