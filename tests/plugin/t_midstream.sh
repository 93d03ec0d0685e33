#!/bin/sh
# One core, two faces (issue 11): captures where the two faces once disagreed decode the same
# in `esimscope` and in tshark with the plugin, frame by frame, and as expected.
#  midstream.pcap: a capture started after the ISD-R was selected, shaped like a phone's
#    traffic: CLA 81 on channel 1, T=0 61xx + GET RESPONSE, no SELECT, no MANAGE CHANNEL; it
#    starts inside an ES10 command (a lone continuation block), and a vendor applet's GET DATA
#    and a non-ES10 STORE DATA share the channel.
#  divergence.pcap: SELECT by a partial ISD-R AID (12 bytes, ISO 7816-4 partial DF name) on
#    channel 2; INS E2 with CLA 02 (interindustry: APPEND RECORD, not STORE DATA); MANAGE
#    CHANNEL close with P2 = 0 (the channel of CLA); a SELECT answered 6283 (warning: the ISD-R
#    is selected all the same) on channel 3.
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
E=${ESIM_BUILD_DIR:-}/analyzer/esimscope
[ -x "$E" ] || { echo "FAIL: esimscope not built in ESIM_BUILD_DIR (${ESIM_BUILD_DIR:-unset})"; exit 1; }

PYTHONPATH="$(dirname "$0")" python3 - "$T/cap" <<'EOF'
import sys
from gsmtap_pcap import ISDR_AID, tlv, write
eid = bytes.fromhex('89049032000000000022421294385278')
info1 = tlv('BF20', tlv('82', bytes([2, 2, 0])) + tlv('A9', tlv('04', bytes([0x11] * 20))) +
            tlv('AA', tlv('04', bytes([0x22] * 20))))
geid = tlv('BF3E', tlv('5A', eid))
chal = tlv('BF2E', tlv('80', bytes(range(16))))

def t0(cla, cmd, rsp, getrsp_cla):
    """ES10 command in one STORE DATA block, T=0: 61xx, then GET RESPONSE."""
    return [bytes([cla, 0xE2, 0x91, 0x00, len(cmd)]) + cmd + bytes([0x61, len(rsp)]),
            bytes([getrsp_cla, 0xC0, 0x00, 0x00, len(rsp)]) + rsp + bytes.fromhex('9000')]

mid = [bytes.fromhex('81E2910105') + bytes([1, 2, 3, 4, 5]) + bytes.fromhex('9000'),
       *t0(0x81, bytes.fromhex('BF2000'), info1, 0x01),
       bytes.fromhex('81CA00FE02') + bytes.fromhex('0102') + bytes.fromhex('9000'),
       *t0(0x81, bytes.fromhex('BF3E035C015A'), geid, 0x01),
       bytes.fromhex('81E2910003DF0100') + bytes.fromhex('9000')]
write(sys.argv[1] + '/midstream.pcap', mid)

div = [bytes.fromhex('007000000102') + bytes.fromhex('9000'),
       bytes.fromhex('02A404000C') + ISDR_AID[:12] + bytes.fromhex('9000'),
       *t0(0x82, bytes.fromhex('BF2E00'), chal, 0x02),
       bytes.fromhex('02E2910003BF2E00') + bytes.fromhex('6D00'),
       bytes.fromhex('0270800000') + bytes.fromhex('9000'),
       bytes.fromhex('82E2910003BF2E00') + bytes.fromhex('6881'),
       bytes.fromhex('007000000103') + bytes.fromhex('9000'),
       bytes.fromhex('03A4040010') + ISDR_AID + bytes.fromhex('6283'),
       *t0(0x83, bytes.fromhex('BF3E035C015A'), geid, 0x03)]
write(sys.argv[1] + '/divergence.pcap', div)
EOF
chmod a+r "$T/cap/"*.pcap

# frame<TAB>function pairs: where each face shows an ES10 command or response
cli_frames() {
    "$E" trace --json "$S/$1" | python3 -c '
import sys, json
for line in sys.stdin:
    e = json.loads(line)
    if e.get("event") == "es10":
        print("%d\t%s" % (e["frame"], e["function"]))
        if "response_frame" in e:
            print("%d\t%s" % (e["response_frame"], e["function"]))' | sort -n | uniq
}
plugin_frames() {
    ts -2 -r "$S/$1" -Y esim.es10.command -T fields -E occurrence=f -e frame.number \
       -e esim.es10.command | sort -n | uniq
}
agree() {
    cli_frames "$1" >"$T/cli.txt"
    plugin_frames "$1" >"$T/plugin.txt"
    if [ "$(cat "$T/cli.txt")" = "$2" ] && cmp -s "$T/cli.txt" "$T/plugin.txt"; then
        ok "$1: esimscope and the plugin show the same ES10 functions in the same frames"
    else
        fail "$1: expected / esimscope / plugin:"
        printf '%s\n--\n' "$2"; cat "$T/cli.txt"; echo --; cat "$T/plugin.txt"
    fi
}
nl='
'
agree midstream.pcap "2	GetEuiccInfo1${nl}3	GetEuiccInfo1${nl}5	GetEID${nl}6	GetEID"
agree divergence.pcap "3	GetEuiccChallenge${nl}4	GetEuiccChallenge${nl}10	GetEID${nl}11	GetEID"

# the assumption is said, once, by both faces
n=$("$E" trace "$S/midstream.pcap" | grep -c 'ISD-R assumed on channel 1: no SELECT in the capture')
check "esimscope states the ISD-R assumption once ($n)" [ "$n" = 1 ]
n=$(ts -2 -r "$S/midstream.pcap" -Y esim.es10.isdr_assumed.here -T fields -e frame.number)
check "the plugin states it as expert info at frame 2 ($n)" [ "$n" = 2 ]
n=$(ts -2 -r "$S/midstream.pcap" -Y 'esim.es10.isdr_assumed == 1' -T fields -e frame.number | wc -l)
check "the plugin marks the 4 ES10 frames of the assumed channel ($n)" [ "$n" = 4 ]
"$E" trace --json "$S/midstream.pcap" >"$T/mid.jsonl"
check "esimscope marks its ES10 events isdr_assumed" \
    [ "$(grep -c '"event":"es10".*"isdr_assumed":true' "$T/mid.jsonl")" = 2 ]
# what is not ES10 is said, never dropped: the lone continuation block, the vendor STORE DATA
check "esimscope: the block without its first block is reported" \
    grep -q 'STORE DATA block 1 on channel 1 without the blocks before it' "$T/mid.jsonl"
check "esimscope: the vendor STORE DATA is listed, not decoded as ES10" \
    grep -q 'carries no ES10 command (data starts DF): listed, not decoded as ES10' "$T/mid.jsonl"
check "esimscope lists the vendor GET DATA as an APDU" \
    grep -q '"event":"apdu","frame":4,.*"ins":"CA"' "$T/mid.jsonl"
n=$(ts -2 -r "$S/midstream.pcap" -Y esim.es10.not_es10 -T fields -e frame.number | tr '\n' ' ')
check "the plugin says the same at frames 1 and 7 ($n)" [ "$n" = "1 7 " ]
n=$(ts -2 -r "$S/midstream.pcap" -Y 'frame.number == 4 && gsm_sim' -T fields -e frame.number)
check "the vendor GET DATA stays Wireshark's gsm_sim APDU ($n)" [ "$n" = 4 ]
# divergence: CLA 02 INS E2 is not ES10 in either face; closed channel 2 is said by esimscope
"$E" trace --json "$S/divergence.pcap" >"$T/div.jsonl"
check "esimscope: STORE DATA on channel 2 after its close is on a closed channel" \
    grep -q 'command on logical channel 2, which is not open' "$T/div.jsonl"
check "esimscope: no session without a transactionId" \
    [ "$(grep -c '"event":"es10"' "$T/div.jsonl")" = 2 ]
finish
