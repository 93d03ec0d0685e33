#!/bin/bash
# ES10 through a modem (engineer "modem", docs/modem.md): the MBIM and QMI usbmon samples give
# the same ES10 commands, sessions and verdicts as the SIMtrace GSMTAP sample of the same
# download; `apdus` shows the channel the modem opened as MANAGE CHANNEL + SELECT of the ISD-R;
# damaged captures (a fragment missing, an answer without its command, wrong lengths, a capture
# cut before an answer) give warnings that name the problem and never stop the analysis.
set -u
S="$ESIM_SOURCE_DIR/samples"
[ -f "$S/happy_mbim_usbmon.pcap" ] || { echo "no modem samples"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
. "$(dirname "$0")/lib/check.bash"
EDIT="python3 $(dirname "$0")/lib/usbmon_edit.py"

# the ES10 functions in order (frame numbers aside) and the session verdicts
summary() {
    "$ESIMSCOPE" trace --json "$1" | python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
print(" ".join(e["function"] + ("/" + e["sw"] if "sw" in e else "") for e in ev if e["event"] == "es10"))
print(" ".join(e["verdict"] for e in ev if e["event"] == "session"))
print(" ".join(e.get("transactionId", "-") for e in ev if e["event"] == "session"))'
}

summary "$S/happy_simtrace_gsmtap.pcap" > "$T/gsmtap"
grep -q "installed" "$T/gsmtap" || { echo "FAIL: GSMTAP reference has no installed session"; exit 1; }
for m in mbim qmi; do
    f="$S/happy_${m}_usbmon.pcap"
    summary "$f" > "$T/$m"
    if cmp -s "$T/gsmtap" "$T/$m"; then echo "ok: $m: same ES10 commands and sessions as GSMTAP"
    else echo "FAIL: $m differs from GSMTAP:"; diff "$T/gsmtap" "$T/$m" | head; fails=$((fails+1)); fi
    check "$m trace installed, no warning" 0 "1 installed" "$ESIMSCOPE" trace "$f"
    absent "$m no warning" "warning"
    check "$m BPP decrypted with the key log" 0 "segments loaded" \
        "$ESIMSCOPE" trace --keylog "$S/happy_${m}_usbmon.keylog" "$f"
    check "$m apdus: ISD-R channel from the modem's open" 0 \
        "ch1  01 A4 04 00 SELECT .* 16 -> .*9000" "$ESIMSCOPE" apdus "$f"
    check "$m apdus: STORE DATA on the ISD-R" 0 "81 E2 91 00 STORE DATA .*\[ISD-R\]" \
        "$ESIMSCOPE" apdus "$f"
done
# the MBIM modem under Windows: USBPcap control stages (SETUP, DATA, COMPLETE) paired by IRP id
summary "$S/happy_mbim_usbpcap.pcap" > "$T/usbpcap"
if cmp -s "$T/gsmtap" "$T/usbpcap"; then echo "ok: mbim over USBPcap: same ES10 commands and sessions as GSMTAP"
else echo "FAIL: mbim over USBPcap differs from GSMTAP"; diff "$T/gsmtap" "$T/usbpcap" | head; fails=$((fails+1)); fi
check "MBIM ATR read through the modem" 0 "ATR \(usb 1\.7 mbim\)" "$ESIMSCOPE" apdus "$S/happy_mbim_usbmon.pcap"
# long messages really were fragmented in the MBIM sample (MaxControlTransfer 256)
check "MBIM sample has fragmented messages" 0 "^[0-9]+ fragmented$" python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); pos = 24; n = 0
while pos + 16 <= len(d):
    incl = struct.unpack_from("<I", d, pos + 8)[0]; p = d[pos + 16:pos + 16 + incl]; pos += 16 + incl
    m = p[64:]
    if len(m) >= 20 and struct.unpack_from("<I", m, 0)[0] in (3, 0x80000003) and struct.unpack_from("<I", m, 12)[0] > 1:
        n += 1
print(n, "fragmented")' "$S/happy_mbim_usbmon.pcap"

# the failing download: same verdict and SW as over the CCID reader
for m in mbim qmi; do
    check "$m failing download" 1 "STORE DATA 6A80" "$ESIMSCOPE" trace "$S/fail_store_data_6a80_$m.pcap"
    check "$m failing verdict" 1 "0 installed, 1 failed" "$ESIMSCOPE" trace "$S/fail_store_data_6a80_$m.pcap"
    check "$m card named after the carrier" 1 "ES10 command aborted \(usb 1\.7 $m\)" \
        "$ESIMSCOPE" trace "$S/fail_store_data_6a80_$m.pcap"
done

# damaged captures
dmg() { # NAME SAMPLE ACTION PATTERN
    $EDIT "$S/$2" "$T/$3.pcap" "$3" || { echo "FAIL: $1: cannot edit"; fails=$((fails+1)); return; }
    "$ESIMSCOPE" trace "$T/$3.pcap" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -gt 1 ]; then echo "FAIL: $1: exit $rc"; cat "$T/err"; fails=$((fails+1)); return; fi
    if grep -Eq -- "$4" "$T/out"; then echo "ok: $1"
    else echo "FAIL: $1: no /$4/"; grep -E "warning|error" "$T/out" | head -5; fails=$((fails+1)); fi
}
dmg "MBIM fragment missing" happy_mbim_usbmon.pcap drop-fragment \
    "warning .*MBIM COMMAND \(TransactionId [0-9]+\): fragment 2 of 2 missing"
dmg "MBIM answer without its command" happy_mbim_usbmon.pcap drop-command \
    "warning .*MBIM UICC APDU response \(TransactionId [0-9]+\) without its command"
dmg "MBIM MessageLength beyond the transfer" happy_mbim_usbmon.pcap bad-length \
    "warning .*MessageLength [0-9]+ but [0-9]+ bytes transferred"
dmg "MBIM InformationBufferLength too large" happy_mbim_usbmon.pcap bad-info-length \
    "warning .*InformationBufferLength 4000 exceeds the message"
dmg "MBIM capture cut before an answer" happy_mbim_usbmon.pcap truncate-response \
    "warning .*MBIM UICC CLOSE_CHANNEL .* never answered"
dmg "QMI answer without its request" happy_qmi_usbmon.pcap drop-command \
    "warning .*QMI UIM SEND_APDU response \(client 2, transaction [0-9]+\) without its request"
dmg "QMI TLV overrun" happy_qmi_usbmon.pcap bad-tlv "warning .*QMI UIM SEND_APDU: a TLV overruns"
dmg "QMI capture cut before an answer" happy_qmi_usbmon.pcap truncate-response \
    "warning .*QMI UIM LOGICAL_CHANNEL .* never answered"

[ "$fails" = 0 ] || { echo "$fails failed"; exit 1; }
echo "all modem checks passed"
