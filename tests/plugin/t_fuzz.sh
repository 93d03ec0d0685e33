#!/bin/sh
# Robustness: tshark with the plugin survives damaged copies of every sample (editcap -E byte
# errors, random cuts): no crash, no dissector bug. Bounded: ESIM_PLUGIN_FUZZ_SECONDS (default
# 50) for all samples together; ESIM_PLUGIN_FUZZ_SEED picks the corruption (default: random,
# printed so a failure can be replayed).
. "$(dirname "$0")/lib.sh"
require_plugin
budget=${ESIM_PLUGIN_FUZZ_SECONDS:-50}
seed=${ESIM_PLUGIN_FUZZ_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "seed $seed, budget ${budget}s"
start=$(date +%s)
runs=0
i=0
round=0
while :; do
    for cap in "$S"/*.pcap "$S"/*.pcapng; do
        now=$(date +%s)
        # the first round always covers every sample; later rounds while the budget lasts
        [ "$round" = 0 ] || [ $((now - start)) -lt "$budget" ] || break 2
        b=$(basename "$cap")
        f="$T/fuzz.$b"
        s=$((seed + i))
        i=$((i + 1))
        # byte errors everywhere (2%, and 0.2% to get deeper into the messages), and every 3rd
        # copy also cut at a random size
        rate=0.02
        [ $((i % 2)) = 0 ] && rate=0.002
        if [ $((i % 3)) = 0 ]; then
            editcap -E $rate --seed "$s" -s $((60 + s % 400)) "$cap" "$f" >/dev/null 2>&1
        else
            editcap -E $rate --seed "$s" "$cap" "$f" >/dev/null 2>&1
        fi
        chmod a+r "$f"
        keylog=$S/${b%.*}.keylog
        ts -2 -r "$f" -V -o "esim.keylog_file:$keylog" >"$T/out" 2>"$T/err"
        rc=$?
        runs=$((runs + 1))
        if grep -q "ERROR: AddressSanitizer\|runtime error:" "$T/err"; then
            fail "sanitizer report on $b, editcap -E $rate --seed $s"
            grep -m1 -A15 "ERROR: AddressSanitizer\|runtime error:" "$T/err"
            cp "$f" /tmp/esim-plugin-crash.$b 2>/dev/null && echo "kept /tmp/esim-plugin-crash.$b"
        elif [ $rc -ge 128 ]; then
            fail "tshark crashed (rc $rc) on $b, editcap -E $rate --seed $s"
            tail -5 "$T/err"
            cp "$f" /tmp/esim-plugin-crash.$b 2>/dev/null && echo "kept /tmp/esim-plugin-crash.$b"
        elif grep -q "Dissector bug, protocol eSIM\|Dissector bug, protocol esim" "$T/out" "$T/err"; then
            fail "dissector bug on $b, editcap -E $rate --seed $s"
            grep -m3 "Dissector bug" "$T/out" "$T/err"
        fi
    done
    round=$((round + 1))
done
echo "$runs fuzzed captures in $(( $(date +%s) - start ))s"
check "at least one round over every sample" test "$runs" -ge "$(ls "$S"/*.pcap "$S"/*.pcapng | wc -l)"
finish
