#!/bin/sh
# Performance: tshark on a large capture (every sample concatenated ESIM_PLUGIN_PERF_COPIES
# times, default 40) with the plugin vs. without it, in one run. Prints the ratio of the whole
# runs and of the dissection work alone (start-up subtracted) (target of issue 6: <= 1.3x,
# measured 1.06-1.20x whole run); fails when the whole-run ratio exceeds ESIM_PLUGIN_PERF_MAX
# (default 1.5: room for a loaded CI machine above the measured figures; the JSON-tree
# rendering this replaced measured 1.45x). The capture is nothing but eSIM traffic: the worst case.
. "$(dirname "$0")/lib.sh"
require_plugin
copies=${ESIM_PLUGIN_PERF_COPIES:-40}
max=${ESIM_PLUGIN_PERF_MAX:-1.5}
set --
for i in $(seq "$copies"); do set -- "$@" "$S"/happy_*.pcap "$S"/fail_*.pcapng; done
mergecap -a -F pcapng -w "$T/big.pcapng" "$@" || { fail "mergecap"; finish; }
chmod a+r "$T/big.pcapng"
frames=$(capinfos -c -M "$T/big.pcapng" | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }')
bytes=$(stat -c %s "$T/big.pcapng")
# CPU time (user + system) of one full dissection, printing summary lines as tshark does by
# default; CPU time rather than wall time, as other work on the machine skews wall time
secs() {  # secs PLUGIN_DIR [CAPTURE]
    rm -f "$T/home/time"
    as_nobody env WIRESHARK_PLUGIN_DIR="$1" /usr/bin/time -f "%U %S" -o "$T/home/time" \
        tshark -r "${2:-$T/big.pcapng}" >/dev/null 2>&1
    awk '{ printf "%.3f", $1 + $2 }' "$T/home/time"
}
# start-up alone (a one-frame capture): tshark's own registration dominates short runs
editcap -r "$S/happy_http.pcap" "$T/one.pcap" 1 >/dev/null && chmod a+r "$T/one.pcap"
min() { echo "$1 $2" | awk '{ print ($1 < $2) ? $1 : $2 }'; }
start0=99999; start1=99999
for i in 1 2 3; do
    start0=$(min "$start0" "$(secs "$T/noplugins" "$T/one.pcap")")
    start1=$(min "$start1" "$(secs "$T/plugins" "$T/one.pcap")")
done
secs "$T/noplugins" >/dev/null   # warm the page cache
without=99999; with=99999
for i in 1 2 3; do   # best of three each, interleaved
    a=$(secs "$T/noplugins"); b=$(secs "$T/plugins")
    without=$(echo "$without $a" | awk '{ print ($1 < $2) ? $1 : $2 }')
    with=$(echo "$with $b" | awk '{ print ($1 < $2) ? $1 : $2 }')
done
ratio=$(echo "$with $without" | awk '{ printf "%.2f", $1 / $2 }')
# per-frame work only: both runs minus their start-up
fratio=$(echo "$with $start1 $without $start0" | awk '{ d = $3 - $4; printf "%.2f", (d > 0) ? (($1 - $2) / d) : 0 }')
echo "capture: $frames frames, $bytes bytes; CPU time without plugin ${without}s, with plugin ${with}s (best of 3): ratio ${ratio}x"
echo "start-up alone: ${start0}s without, ${start1}s with; dissection work alone: ratio ${fratio}x"
check "ratio ${ratio}x <= ${max}x" awk -v r="$ratio" -v m="$max" 'BEGIN { exit !(r <= m) }'
check "the run with the plugin decoded eSIM" test "$(ts -r "$T/big.pcapng" -Y 'esim.es10.command' | wc -l)" -gt "$copies"
finish
