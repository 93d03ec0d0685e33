#!/bin/sh
# ES10 over card APDUs: GSMTAP-SIM (SIMtrace) and USB CCID T=0 (usbmon, USBPcap). The whole
# download session of docs/samples.md must come out as ES10 functions, with reassembly, key
# values consistent with the key log, BPP segments, results, and nothing lost for other APDUs.
. "$(dirname "$0")/lib.sh"
require_plugin

session_checks() {
    cap=$1
    keylog=${cap%.*}.keylog
    cmds=$(fields "$cap" "esim.es10.command" esim.es10.command | sort -u)
    for fn in GetEuiccInfo1 GetEuiccChallenge AuthenticateServer PrepareDownload \
              LoadBoundProfilePackage ListNotification RemoveNotificationFromList EnableProfile; do
        check "$cap: ES10 $fn" has "$cmds" "$fn"
    done
    tid=$(keylog_tid "$keylog")
    check "$cap: key log has a TransactionID" test -n "$tid"
    pd_tid=$(fields "$cap" 'esim.es10.command == "PrepareDownload" && esim.es10.direction == "command"' esim.transaction_id | sort -u)
    check "$cap: PrepareDownload carries the key log's TransactionID ($tid)" test "$pd_tid" = "$tid"
    segs=$(fields "$cap" "esim.bpp.segment" esim.bpp.segment | tr ',' '\n' | sort -u | tr '\n' ' ')
    check "$cap: BPP segments 86 87 88 (got: $segs)" test "$segs" = "0x86 0x87 0x88 "
    # AuthenticateServer spans several STORE DATA blocks: reassembled, with "reassembled in"
    n=$(fields "$cap" 'esim.es10.command == "AuthenticateServer" && esim.es10.direction == "command"' esim.es10.fragment.count | head -1)
    check "$cap: AuthenticateServer reassembled from $n blocks" test "${n:-0}" -ge 2
    check "$cap: blocks point to the reassembling frame" test "$(count "$cap" esim.es10.reassembled.in)" -ge 3
    # the long responses come back through GET RESPONSE chains, reassembled and paired
    check "$cap: AuthenticateServer response decoded" \
        test -n "$(fields "$cap" 'esim.es10.result == "authenticateResponseOk"' frame.number)"
    check "$cap: responses name their request frame" test "$(count "$cap" esim.es10.request_in)" -ge 5
    pir=$(fields "$cap" 'esim.asn1.type == "ProfileInstallationResult"' esim.es10.result esim.iccid | head -1)
    check "$cap: ProfileInstallationResult successResult ($pir)" test "$(echo "$pir" | cut -f1)" = successResult
    en=$(fields "$cap" 'esim.es10.command == "EnableProfile" && esim.es10.direction == "command"' esim.iccid)
    check "$cap: EnableProfile for the installed ICCID ($en)" test -n "$en" -a "$en" = "$(echo "$pir" | cut -f2)"
    check "$cap: EnableProfile result ok" \
        test "$(fields "$cap" 'esim.es10.command == "EnableProfile" && esim.es10.result' esim.es10.result)" = ok
    # with the key log the BPP sent over STORE DATA is checked segment by segment
    macs=$(ts -2 -r "$S/$cap" -o "esim.keylog_file:$S/$keylog" -Y 'esim.es10.command && esim.bpp.mac_ok' -T fields -E occurrence=a -E aggregator=, -e esim.bpp.mac_ok | tr ',' '\n' | sort | uniq -c | tr -s ' ')
    check "$cap: every STORE DATA segment's MAC verifies with the key log ($macs)" \
        sh -c "echo '$macs' | grep -q ' 1$' && ! echo '$macs' | grep -q ' 0$'"
    check "$cap: no MAC verdict without the key log" test "$(count "$cap" esim.bpp.mac_ok)" -eq 0
    check "$cap: no expert warning on the happy path" test "$(count "$cap" '_ws.expert.severity >= 6291456 && esim')" -eq 0
}

session_checks happy_simtrace_gsmtap.pcap
session_checks happy_usbmon_t0.pcap
session_checks happy_usbpcap.pcap

# Nothing lost: every GSMTAP frame still has Wireshark's own SIM dissection, and the non-ES10
# APDUs (MANAGE CHANNEL, SELECT) stay GSM SIM frames.
all=$(count happy_simtrace_gsmtap.pcap 'udp.port == 4729')
check "every GSMTAP frame ($all) keeps gsm_sim" test "$all" -gt 0 -a "$(count happy_simtrace_gsmtap.pcap 'udp.port == 4729 && !gsm_sim')" -eq 0
check "SELECT ISD-R left to gsm_sim" test "$(count happy_simtrace_gsmtap.pcap 'gsm_sim.apdu.ins == 0xa4 && !esim')" -ge 1
check "Protocol column eSIM" test "$(ts -r "$S/happy_simtrace_gsmtap.pcap" -Y esim -T fields -e _ws.col.Protocol | sort -u)" = eSIM
info=$(ts -r "$S/happy_simtrace_gsmtap.pcap" -Y 'esim.es10.command == "PrepareDownload"' -T fields -e _ws.col.Info | head -1)
check "Info column names the function ($info)" sh -c "echo '$info' | grep -q 'ES10b PrepareDownload'"
# Without the plugin the same frames are plain GSM SIM with an unknown instruction.
check "without the plugin: no esim protocol" test "$(tsn -r "$S/happy_simtrace_gsmtap.pcap" -T fields -e frame.protocols | grep -c esim)" -eq 0

# USB CCID without the heuristic: nothing, then Decode As on usbccid.subdissector gives the same
# ES10 functions as the heuristic
c=happy_usbmon_t0.pcap
check "$c: heuristic off: no ES10" \
    test "$(ts -r "$S/$c" --disable-heuristic esim_ccid -Y esim.es10.command | wc -l)" -eq 0
da=$(ts -2 -r "$S/$c" --disable-heuristic esim_ccid -d usbccid.subdissector,esim -Y esim.es10.command -T fields -e esim.es10.command | sort | uniq -c)
he=$(ts -2 -r "$S/$c" -Y esim.es10.command -T fields -e esim.es10.command | sort | uniq -c)
check "$c: Decode As usbccid.subdissector,esim decodes what the heuristic does" test -n "$da" -a "$da" = "$he"

# response time on every paired response
check "responses carry the time since their command" \
    test "$(count happy_usbmon_t0.pcap 'esim.es10.request_in && esim.es10.time > 0')" -ge 5
# A command whose response never completes: cut the GSMTAP capture inside the GET RESPONSE
# chain of the first AuthenticateServer (found by its fields, not by a fixed frame number).
last=$(fields happy_simtrace_gsmtap.pcap 'esim.es10.command == "AuthenticateServer" && esim.es10.direction == "response"' frame.number | head -1)
editcap -r "$S/happy_simtrace_gsmtap.pcap" "$T/cut.pcap" "1-$((last - 1))" >/dev/null && chmod a+r "$T/cut.pcap"
cp "$T/cut.pcap" "$S/cut.pcap"
check "command without its response is flagged (capture cut at frame $((last - 1)))" \
    test -n "$(fields cut.pcap 'esim.es10.unpaired && esim.es10.command == "AuthenticateServer"' frame.number)"
check "no unpaired command in the complete capture" test "$(count happy_simtrace_gsmtap.pcap esim.es10.unpaired)" -eq 0

# Failures
c=fail_store_data_6a80.pcapng
check "$c: 6A80 on a STORE DATA block is an expert warning" \
    test -n "$(fields $c 'esim.es10.sw == 0x6a80 && _ws.expert.message contains "6A80"' frame.number)"
check "$c: the rejected chain is reported incomplete" test "$(count $c 'esim.es10.incomplete')" -ge 1
c=fail_bpp_mac.pcapng
check "$c: PIR errorResult" test -n "$(fields $c 'esim.es10.result == "errorResult"' frame.number)"
check "$c: errorReason scp03tSecurityError as expert info" \
    test -n "$(fields $c 'esim.rsp_error && _ws.expert.message contains "scp03tSecurityError" && esim.es10.command' frame.number)"
macs=$(ts -2 -r "$S/$c" -o "esim.keylog_file:$S/fail_bpp_mac.keylog" -Y 'esim.es10.command && esim.bpp.mac_ok' -T fields -e esim.bpp.segment -e esim.bpp.mac_ok | sort -u | tr '\t\n' ': ')
check "$c: on the card side the damaged 86 fails its MAC, 87 and 88 verify ($macs)" \
    sh -c "echo '$macs' | grep -q '0x86:0' && echo '$macs' | grep -q '0x87:1' && echo '$macs' | grep -q '0x88:1'"
c=truncated_mid_bpp.pcapng
check "$c: STORE DATA chain cut by the capture end is reported" test "$(count $c 'esim.es10.incomplete')" -ge 1
check "$c: no PIR" test "$(count $c 'esim.asn1.type == "ProfileInstallationResult"')" -eq 0
c=cancel_session.pcapng
check "$c: ES10 CancelSession decoded" test -n "$(fields $c 'esim.es10.command == "CancelSession"' frame.number)"
finish
