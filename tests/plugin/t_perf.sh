#!/bin/sh
# Performance: tshark on a large capture (every sample concatenated ESIM_PLUGIN_PERF_COPIES
# times, default 40) with the plugin vs. without it, in one run. Prints the ratio (target of
# issue 6: <= 1.3x); fails only above ESIM_PLUGIN_PERF_MAX (default 3), which would mean work
# out of proportion to the eSIM traffic.
. "$(dirname "$0")/lib.sh"
require_plugin
copies=${ESIM_PLUGIN_PERF_COPIES:-40}
max=${ESIM_PLUGIN_PERF_MAX:-3}
set --
for i in $(seq "$copies"); do set -- "$@" "$S"/happy_*.pcap "$S"/fail_*.pcapng; done
mergecap -a -F pcapng -w "$T/big.pcapng" "$@" || { fail "mergecap"; finish; }
chmod a+r "$T/big.pcapng"
frames=$(capinfos -c -M "$T/big.pcapng" | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }')
bytes=$(stat -c %s "$T/big.pcapng")
# wall time of one full dissection (summary lines, as tshark prints by default)
secs() {
    s=$(date +%s.%N)
    "$@" -r "$T/big.pcapng" >/dev/null
    e=$(date +%s.%N)
    echo "$s $e" | awk '{ printf "%.3f", $2 - $1 }'
}
tsn -r "$T/big.pcapng" >/dev/null   # warm the page cache
without=$(secs tsn)
with=$(secs ts)
without2=$(secs tsn)
with2=$(secs ts)
# best of two each
without=$(echo "$without $without2" | awk '{ print ($1 < $2) ? $1 : $2 }')
with=$(echo "$with $with2" | awk '{ print ($1 < $2) ? $1 : $2 }')
ratio=$(echo "$with $without" | awk '{ printf "%.2f", $1 / $2 }')
echo "capture: $frames frames, $bytes bytes; without plugin ${without}s, with plugin ${with}s: ratio ${ratio}x"
check "ratio ${ratio}x <= ${max}x" awk -v r="$ratio" -v m="$max" 'BEGIN { exit !(r <= m) }'
check "the run with the plugin decoded eSIM" test "$(ts -r "$T/big.pcapng" -Y 'esim.es10.command' | wc -l)" -gt "$copies"
finish
