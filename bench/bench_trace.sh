#!/bin/bash
# Throughput and memory of `esimscope trace` on a large capture, against a raw read with tcpdump
# and against Debian's tshark reading the same file. One run each; ratios printed at the end.
#
#   bench/bench_trace.sh [ESIMSCOPE] [SIZE_MB] [WORKDIR]
#
# ESIMSCOPE: an optimised build (default build-release/analyzer/esimscope: configure with
# -DCMAKE_BUILD_TYPE=Release, not the sanitizer build). SIZE_MB (default 1024) is the size of the
# generated capture; a 100 MB capture is generated too for the memory comparison. Captures are
# written to WORKDIR (default /tmp) and removed at the end. FILLER=P makes P percent of the bytes
# unrelated bulk TCP traffic (default 0: every packet is eSIM traffic, the worst case).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
esim=${1:-$src/build-release/analyzer/esimscope}
size=${2:-1024}
work=${3:-/tmp}
[ -x "$esim" ] || { echo "no esimscope at $esim"; exit 2; }
samples=("$src/samples/happy_simtrace_gsmtap.pcap" "$src/samples/happy_http.pcap")
big="$work/esim-bench-trace-${size}.pcap" small="$work/esim-bench-trace-100.pcap"
trap 'rm -f "$big" "$small"' EXIT

fill=()
[ "${FILLER:-0}" -gt 0 ] && fill=(--filler "$FILLER")
python3 "$here/trace_bigcap.py" "${fill[@]}" "$small" 100 "${samples[@]}"
python3 "$here/trace_bigcap.py" "${fill[@]}" "$big" "$size" "${samples[@]}"
bytes=$(stat -c %s "$big")

# wall-clock seconds, peak RSS (KiB) and user+system CPU seconds of a command, output discarded
measure() {
    local log
    log=$(mktemp)
    /usr/bin/time -v "$@" > /dev/null 2> "$log" || true
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0;
                       for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
    rm -f "$log"
    echo "$wall $rss $cpu"
}

cat "$big" > /dev/null # page cache: every reader starts warm
read -r t_raw rss_raw c_raw < <(measure tcpdump -r "$big" -w /dev/null)
read -r t_trace rss_trace c_trace < <(measure "$esim" trace --no-progress "$big")
read -r t_small rss_small c_small < <(measure "$esim" trace --no-progress "$small")
if [ "${SKIP_TSHARK:-0}" = 1 ]; then
    t_tshark=0 rss_tshark=0 c_tshark=0
else
    read -r t_tshark rss_tshark c_tshark < <(measure tshark -n -r "$big")
fi

mb=$(awk -v b="$bytes" 'BEGIN {print b / 1048576}')
rate() { awk -v m="$mb" -v t="$1" 'BEGIN {if (t > 0) printf "%.0f MB/s", m / t; else print "-"}'; }
printf "capture: %s (%.0f MiB, %s%% bulk filler)\n" "$big" "$mb" "${FILLER:-0}"
printf "%-34s %8s s wall %12s  %8s s CPU  peak RSS %7s KiB\n" \
    "tcpdump -r F -w /dev/null" "$t_raw" "$(rate "$t_raw")" "$c_raw" "$rss_raw" \
    "esimscope trace F" "$t_trace" "$(rate "$t_trace")" "$c_trace" "$rss_trace" \
    "tshark -n -r F" "$t_tshark" "$(rate "$t_tshark")" "$c_tshark" "$rss_tshark"
awk -v a="$t_raw" -v b="$t_trace" -v c="$t_tshark" -v ca="$c_raw" -v cb="$c_trace" -v cc="$c_tshark" 'BEGIN {
    printf "trace speed / raw read speed: %.2f wall, %.2f CPU\n", a / b, ca / cb
    if (c > 0) printf "trace speed / tshark speed:   %.2f wall, %.2f CPU\n", c / b, cc / cb }'
printf "esimscope trace peak RSS: %s KiB at 100 MiB, %s KiB at %s MiB\n" "$rss_small" "$rss_trace" "$size"
