#!/bin/sh
# ES10 through a modem (plugin/packet-esim-modem.c): the MBIM and QMI usbmon samples hold no USB
# descriptors, yet the heuristic on USB control transfers finds the MBIM UICC low-level access and
# QMI UIM messages, shows them as esim.mbim.* / esim.qmi.* fields and hands every APDU to the ES10
# part: the same ES10 commands as in the SIMtrace GSMTAP sample of the same download, the ISD-R
# channel from the modem's open, MBIM fragments reassembled, the BPP MAC-checked with the key
# log. Damaged captures give expert info. Without the plugin tshark shows no ES10 at all.
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
[ -f "$S/happy_mbim_usbmon.pcap" ] || { echo "SKIP: no modem samples"; exit 77; }

# ES10 command frames by function (command direction), as a sorted "count name" list
es10_profile() {
    fields "$1" 'esim.es10.direction == "command" && esim.es10.command' esim.es10.command |
        sort | uniq -c | tr -s ' '
}
ref=$(es10_profile happy_simtrace_gsmtap.pcap)
check "GSMTAP reference has ES10 commands" test -n "$ref"
for m in mbim qmi; do
    cap=happy_${m}_usbmon.pcap
    got=$(es10_profile $cap)
    check "$m: same ES10 commands as the GSMTAP sample" test "$got" = "$ref"
    [ "$got" = "$ref" ] || { echo "  GSMTAP: $ref" | head -3; echo "  $m: $got" | head -3; }
    tid=$(keylog_tid happy_${m}_usbmon.keylog)
    pd=$(fields $cap 'esim.es10.command == "PrepareDownload" && esim.es10.direction == "command"' esim.transaction_id | sort -u)
    check "$m: PrepareDownload carries the key log's TransactionID" test -n "$tid" -a "$pd" = "$tid"
    pir=$(fields $cap 'esim.asn1.type == "ProfileInstallationResult"' esim.es10.result | head -1)
    check "$m: ProfileInstallationResult successResult ($pir)" test "$pir" = successResult
    check "$m: AuthenticateServer response decoded over GET RESPONSE" \
        test -n "$(fields $cap 'esim.es10.result == "authenticateResponseOk"' frame.number)"
    macs=$(ts -2 -r "$S/$cap" -o "esim.keylog_file:$S/happy_${m}_usbmon.keylog" -Y 'esim.bpp.mac_ok' -T fields -E occurrence=a -E aggregator=, -e esim.bpp.mac_ok | tr ',' '\n' | sort | uniq -c | tr -s ' ')
    check "$m: every BPP segment's MAC verifies with the key log ($macs)" \
        sh -c "echo '$macs' | grep -q ' 1$' && ! echo '$macs' | grep -q ' 0$'"
    check "$m: no expert warning or error on the happy download" \
        test "$(count $cap 'expert.severity >= "warning" && esim')" -eq 0
    check "$m: no ES10 without the plugin" \
        test "$(tsn -r "$S/$cap" -Y 'esim' 2>/dev/null | wc -l)" -eq 0
done

check "mbim over USBPcap: same ES10 commands as the GSMTAP sample" \
    test "$(es10_profile happy_mbim_usbpcap.pcap)" = "$ref"

# MBIM fields: the open with the ISD-R AID on channel 1, status words as SW1 SW2
cap=happy_mbim_usbmon.pcap
aid=$(fields $cap 'esim.mbim.cid == 2 && esim.mbim.type == 3' esim.mbim.aid)
check "MBIM OPEN_CHANNEL with the ISD-R AID ($aid)" test "$aid" = "a0000005591010ffffffff8900000100"
check "MBIM OPEN_CHANNEL answered with channel 1" \
    test "$(fields $cap 'esim.mbim.cid == 2 && esim.mbim.type == 0x80000003' esim.mbim.channel)" = 1
sws=$(fields $cap 'esim.mbim.cid == 4 && esim.mbim.type == 0x80000003' esim.mbim.sw | sort -u | tr '\n' ' ')
check "MBIM APDU status words read as SW1 SW2 ($sws)" sh -c "echo '$sws' | grep -q '0x9000' && echo '$sws' | grep -q '0x61'"
check "MBIM messages over 256 bytes reassembled from fragments" \
    test "$(count $cap esim.mbim.reassembled)" -ge 10
check "MBIM: ATR shown" test -n "$(fields $cap esim.mbim.atr esim.mbim.atr)"
check "MBIM: responses name their request frame" test "$(count $cap esim.modem.request_in)" -ge 20
check "MBIM: ES10 channel 1 from the modem's open" \
    test "$(fields $cap 'esim.es10.command == "PrepareDownload"' esim.es10.channel | sort -u)" = 1

# QMI fields
cap=happy_qmi_usbmon.pcap
check "QMI OPEN_LOGICAL_CHANNEL with the ISD-R AID" \
    test "$(fields $cap 'esim.qmi.message == 0x42 && esim.qmi.flags == 0' esim.qmi.aid)" = "a0000005591010ffffffff8900000100"
check "QMI card result 9000 on the open" \
    test "$(fields $cap 'esim.qmi.message == 0x42 && esim.qmi.flags == 2' esim.qmi.sw)" = "0x9000"
check "QMI SEND_APDU on slot 1, channel 1" \
    test "$(fields $cap 'esim.qmi.message == 0x3b && esim.qmi.flags == 0' esim.qmi.slot esim.qmi.channel | sort -u | tr '\t' ' ')" = "1 1"
check "QMI result TLV: success" \
    test "$(fields $cap 'esim.qmi.flags == 2' esim.qmi.result | sort -u)" = 0

# the failing download: the eUICC's 6A80 on a STORE DATA block, as over the CCID reader
for m in mbim qmi; do
    check "$m: 6A80 on a STORE DATA block is an expert warning" \
        test -n "$(fields fail_store_data_6a80_$m.pcap 'esim.es10.sw == 0x6a80 && _ws.expert.message contains "6A80"' frame.number)"
done

# damaged captures: expert info, no crash
EDIT="python3 $ESIM_SOURCE_DIR/tests/cli/lib/usbmon_edit.py"
damaged() { # NAME SAMPLE ACTION EXPERT-FILTER
    $EDIT "$S/$2" "$S/dmg_$3.pcap" "$3" && chmod a+r "$S/dmg_$3.pcap"
    check "$1" test "$(count dmg_$3.pcap "$4")" -ge 1
}
damaged "MBIM fragment missing: expert info" happy_mbim_usbmon.pcap drop-fragment esim.mbim.fragment.missing
damaged "MBIM response without its command: expert info" happy_mbim_usbmon.pcap drop-command esim.modem.unmatched
damaged "MBIM InformationBufferLength too large: expert info" happy_mbim_usbmon.pcap bad-info-length esim.modem.malformed
damaged "QMI response without its request: expert info" happy_qmi_usbmon.pcap drop-command esim.modem.unmatched
damaged "QMI TLV overrun: expert info" happy_qmi_usbmon.pcap bad-tlv esim.modem.malformed
finish
