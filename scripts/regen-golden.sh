#!/usr/bin/env bash
# Rewrites every golden file of tests/golden/ (tests/golden/README.md) from the current code:
# the CLI's outputs (tests/cli/golden.sh) and tshark's with the plugin (tests/plugin/t_golden.sh),
# on every committed sample capture. Builds esimscope and the plugin first (without sanitizers,
# in ESIM_GOLDEN_BUILD_DIR, default build/) when they are missing or out of date.
# Then review what changed: git diff --stat tests/golden; git diff tests/golden
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${ESIM_GOLDEN_BUILD_DIR:-$src/build}
jobs=${ESIM_JOBS:-$(nproc)}

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1 \
        || { cat "$build.configure.log"; echo "FAIL: configure"; exit 1; }
fi
# the plugin is needed, and Debian's tshark cannot load a sanitized one, whatever the cache says
cmake -S . -B "$build" -DESIM_BUILD_PLUGIN=ON -DESIM_SANITIZE=OFF >"$build.configure.log" 2>&1 \
    || { cat "$build.configure.log"; echo "FAIL: configure with the plugin"; exit 1; }
cmake --build "$build" -j"$jobs" --target esimscope esim_plugin >"$build.build.log" 2>&1 \
    || { tail -30 "$build.build.log"; echo "FAIL: build"; exit 1; }
esimscope=$build/analyzer/esimscope
so=$build/plugin/4.0/epan/esim.so
[ -x "$esimscope" ] && [ -f "$so" ] || { echo "FAIL: $esimscope or $so was not built"; exit 1; }

# a sample that was removed takes its golden folder with it
for d in tests/golden/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    if [ ! -f "samples/$name.pcap" ] && [ ! -f "samples/$name.pcapng" ]; then
        echo "removing tests/golden/$name (no samples/$name.pcap or .pcapng)"
        rm -rf "$d"
    fi
done
# stderr files exist only when a command wrote to stderr: start without them
rm -f tests/golden/*/*.stderr

ESIM_GOLDEN_REGEN=1 ESIMSCOPE=$esimscope ESIM_SOURCE_DIR=$src bash tests/cli/golden.sh
ESIM_GOLDEN_REGEN=1 ESIM_PLUGIN_SO=$so ESIM_BUILD_DIR=$build ESIM_SOURCE_DIR=$src sh tests/plugin/t_golden.sh
git -c color.ui=never status --short tests/golden 2>/dev/null | sed 's/^/changed: /' || true
echo "review: git diff --stat tests/golden && git diff tests/golden"
