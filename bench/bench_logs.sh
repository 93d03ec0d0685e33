#!/bin/bash
# Lines per second of each log reader (docs/inputs.md) on a large generated log, against
# `wc -l` on the same file, with peak memory; and `esimscope trace` end to end on one of them.
#
#   bench/bench_logs.sh [BUILD_DIR] [SIZE_MB] [WORKDIR]
#
# BUILD_DIR: an optimised build (default build-release; configure with
# -DCMAKE_BUILD_TYPE=Release) with bench/bench_log and analyzer/esimscope. SIZE_MB (default 512)
# is the size of each generated log: the sample logs of samples/logs repeated (each copy a
# whole download). The logs go to WORKDIR (default /tmp) and are removed at the end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-$src/build-release}
size=${2:-512}
work=${3:-/tmp}
bench=$build/bench/bench_log esim=$build/analyzer/esimscope
[ -x "$bench" ] && [ -x "$esim" ] || { echo "no bench_log/esimscope in $build"; exit 2; }
big=$work/esim-bench-log
trap 'rm -f "$big" "$big.chunk"' EXIT

measure() { # wall seconds and peak RSS (KiB) of a command, output discarded
    local log; log=$(mktemp)
    /usr/bin/time -v "$@" > /dev/null 2> "$log" || true
    awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0;
                for (i = 1; i <= n; i++) s = s * 60 + a[i]; w = s}
                /Maximum resident set size/ {r = $2} END {print w, r}' "$log"
    rm -f "$log"
}

printf '%-9s %8s %12s %10s %10s %8s %10s %9s\n' format MB lines reader_s wc_s ratio "lines/s" rss_KiB
for f in qxdm.txt qcat.txt lpac.log at.log pcsc-spy.log hex.log; do
    : > "$big.chunk"
    while [ "$(stat -c %s "$big.chunk")" -lt 4194304 ]; do cat "$src/samples/logs/happy.$f" >> "$big.chunk"; done
    : > "$big"
    while [ "$(stat -c %s "$big")" -lt $((size * 1048576)) ]; do cat "$big.chunk" >> "$big"; done
    cat "$big" > /dev/null # page cache warm for both
    read -r wc_s _ < <(measure wc -l "$big")
    out=$("$bench" "$big")
    read -r name lines packets secs _ <<< "$out"
    read -r _ rss < <(measure "$bench" "$big")
    mb=$(( $(stat -c %s "$big") / 1048576 ))
    awk -v n="$name" -v mb="$mb" -v l="$lines" -v s="$secs" -v w="$wc_s" -v r="$rss" \
        'BEGIN { printf "%-9s %8d %12d %10.2f %10.2f %8.2f %10.0f %9d\n", n, mb, l, s, w, w / s, l / s, r }'
done
# end to end: sessions, verdicts, BPP decryption attempts on every repeated download
read -r tr_s tr_rss < <(measure "$esim" trace --no-progress "$big")
echo "esimscope trace on the hex log ($(( $(stat -c %s "$big") / 1048576 )) MB): ${tr_s} s, peak RSS ${tr_rss} KiB"
