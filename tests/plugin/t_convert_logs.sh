#!/bin/sh
# esimscope convert turns phone and LPA logs into pcapng that Wireshark opens: with the plugin,
# every log of samples/logs shows the same ES10 functions as the SIMtrace capture of the same
# download, each packet carries its log lines as comment, the card slots are interfaces, and
# the lpac log's HTTP shows as ES9+/ES11.
. "$(dirname "$0")/lib.sh"
require_plugin
: "${ESIM_BUILD_DIR:?build folder with esimscope}"
esimscope=$ESIM_BUILD_DIR/analyzer/esimscope

want=$(fields happy_simtrace_gsmtap.pcap esim.es10.command esim.es10.command | tr ',' '\n' | sort -u | tr '\n' ' ')
check "the SIMtrace sample has ES10 functions ($want)" test -n "$want"
for f in "$ESIM_SOURCE_DIR"/samples/logs/happy.*; do
    b=$(basename "$f")
    "$esimscope" convert --date 2026-03-02 "$f" -o "$S/$b.pcapng" 2>/dev/null
    check "$b converted" test -s "$S/$b.pcapng"
    chmod a+r "$S/$b.pcapng"
    got=$(fields "$b.pcapng" esim.es10.command esim.es10.command | tr ',' '\n' | sort -u | tr '\n' ' ')
    check "$b: same ES10 functions as the SIMtrace capture ($got)" test "$got" = "$want"
    n=$(count "$b.pcapng" 'gsmtap && !frame.comment')
    check "$b: every GSMTAP-SIM packet names its log lines" test "$n" -eq 0
    check "$b: no malformed packet" test "$(count "$b.pcapng" '_ws.malformed')" -eq 0
done
pir=$(fields happy.qxdm.txt.pcapng 'esim.asn1.type == "ProfileInstallationResult"' esim.es10.result | head -1)
check "QXDM log: ProfileInstallationResult $pir" test "$pir" = successResult
slots=$(ts -r "$S/happy.qxdm.txt.pcapng" -T fields -e frame.interface_name | sort -u | tr '\n' ' ')
check "QXDM log: one interface per slot ($slots)" test "$slots" = "SLOT_1 SLOT_2 "
es9=$(fields happy.lpac.log.pcapng esim.es9p.function esim.es9p.function | sort -u | tr '\n' ' ')
check "lpac log: ES9+/ES11 over the synthetic TCP connection ($es9)" \
    sh -c "echo '$es9' | grep -q getBoundProfilePackage && echo '$es9' | grep -q authenticateClient"
finish
