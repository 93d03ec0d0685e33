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
# CPU time (user + system) of one full dissection, printing summary lines as tshark does by
# default; CPU time rather than wall time, as other work on the machine skews wall time
secs() {  # secs PLUGIN_DIR
    rm -f "$T/home/time"
    as_nobody env WIRESHARK_PLUGIN_DIR="$1" /usr/bin/time -f "%U %S" -o "$T/home/time" \
        tshark -r "$T/big.pcapng" >/dev/null 2>&1
    awk '{ printf "%.3f", $1 + $2 }' "$T/home/time"
}
secs "$T/noplugins" >/dev/null   # warm the page cache
without=99999; with=99999
for i in 1 2 3; do   # best of three each, interleaved
    a=$(secs "$T/noplugins"); b=$(secs "$T/plugins")
    without=$(echo "$without $a" | awk '{ print ($1 < $2) ? $1 : $2 }')
    with=$(echo "$with $b" | awk '{ print ($1 < $2) ? $1 : $2 }')
done
ratio=$(echo "$with $without" | awk '{ printf "%.2f", $1 / $2 }')
echo "capture: $frames frames, $bytes bytes; CPU time without plugin ${without}s, with plugin ${with}s (best of 3): ratio ${ratio}x"
check "ratio ${ratio}x <= ${max}x" awk -v r="$ratio" -v m="$max" 'BEGIN { exit !(r <= m) }'
check "the run with the plugin decoded eSIM" test "$(ts -r "$T/big.pcapng" -Y 'esim.es10.command' | wc -l)" -gt "$copies"
finish
