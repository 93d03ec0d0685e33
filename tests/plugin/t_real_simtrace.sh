#!/bin/sh
# A real SIMtrace capture of a UICC (../shared/data/traces, present only on the development
# machines): no eSIM traffic in it, so with the plugin tshark must show exactly what it shows
# without it (every APDU still handed to Wireshark's own gsm_sim dissector) and add no expert
# info. Skips when the reference data is absent.
. "$(dirname "$0")/lib.sh"
shared=${ESIM_SHARED_DIR:-$ESIM_SOURCE_DIR/../shared}
real=$shared/data/traces/simtrace-gsmtap-uicc.pcapng
[ -f "$real" ] || { echo "SKIP: $real not present"; exit 77; }
require_plugin
cp "$real" "$S/real.pcapng" && chmod a+r "$S/real.pcapng"
ts -r "$S/real.pcapng" -T fields -e frame.number -e _ws.col.Protocol -e _ws.col.Info >"$T/with"
tsn -r "$S/real.pcapng" -T fields -e frame.number -e _ws.col.Protocol -e _ws.col.Info >"$T/without"
check "real SIMtrace capture read ($(wc -l <"$T/with") frames)" test "$(wc -l <"$T/with")" -gt 900
check "same protocol and Info columns with and without the plugin" cmp -s "$T/with" "$T/without"
check "APDUs still decoded by gsm_sim" test "$(ts -r "$S/real.pcapng" -Y gsm_sim | wc -l)" -gt 600
check "no esim item on a capture without eSIM traffic" test "$(ts -r "$S/real.pcapng" -Y esim | wc -l)" = 0
ts -r "$S/real.pcapng" -q -z expert >"$T/expert_with"
tsn -r "$S/real.pcapng" -q -z expert >"$T/expert_without"
check "expert info unchanged by the plugin" cmp -s "$T/expert_with" "$T/expert_without"
finish
