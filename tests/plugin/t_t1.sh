#!/bin/sh
# USB CCID readers speaking T=1 (happy_usbmon_t1.pcap: S(IFS), I-blocks chained with the M bit
# and acknowledged with R-blocks in both directions): the T=1 block fields with their checks,
# the APDUs reassembled from chained I-blocks, then the same ES10 view as the T=0 reader of
# happy_usbmon_t0.pcap (the same download): the same ES10 functions, results, MAC checks and
# sessions. A T=1 capture with a damaged LRC and a LEN running past the block gives expert info
# and no crash.
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

T0=happy_usbmon_t0.pcap
T1=happy_usbmon_t1.pcap
# es10 FILE [TSHARK ARGS]: function, direction, result and first MAC verdict of every ES10 frame
es10() {
    f=$1; shift
    ts -2 -r "$S/$f" -o "esim.keylog_file:$S/${f%.*}.keylog" "$@" -Y esim.es10.command \
        -T fields -e esim.es10.command -e esim.es10.direction -e esim.es10.result \
        -e esim.bpp.mac_ok -E occurrence=f
}
# sessions FILE: the -z esim,sessions report without frame numbers (the carriers differ)
sessions() {
    ts -q -r "$S/$1" -o "esim.keylog_file:$S/${1%.*}.keylog" -z esim,sessions |
        sed 's/frames [0-9]*-[0-9]*//; s/at frame [0-9]*//'
}

l0=$(es10 $T0)
l1=$(es10 $T1)
check "T=1: ES10 frames found ($(printf '%s\n' "$l1" | wc -l))" test "$(printf '%s\n' "$l1" | wc -l)" -ge 20
check "T=1: ES10 functions, directions, results, MAC verdicts = T=0's" test "$l0" = "$l1"
for fn in AuthenticateServer PrepareDownload LoadBoundProfilePackage EnableProfile; do
    check "T=1: $fn decoded" sh -c "printf '%s\n' \"$l1\" | cut -f1 | grep -qx $fn"
done
check "T=1: PIR successResult" sh -c "printf '%s\n' \"$l1\" | grep -q 'LoadBoundProfilePackage.*successResult'"
check "T=1: every BPP segment's MAC verifies with the key log" \
    test "$(count $T1 'esim.bpp.mac_ok == 0')" -eq 0 -a \
         "$(count $T1 'esim.bpp.mac_ok == 1')" -eq "$(count $T0 'esim.bpp.mac_ok == 1')"
s0=$(sessions $T0)
s1=$(sessions $T1)
check "T=1: -z esim,sessions = T=0's" test "$s0" = "$s1"
tid=$(keylog_tid happy_usbmon_t1.keylog)
check "T=1: the key log's session is installed" \
    sh -c "printf '%s\n' \"$s1\" | grep -q 'transactionId $tid  verdict installed'"
check "T=1: no expert warning or error" \
    test "$(ts -2 -r "$S/$T1" -o "esim.keylog_file:$S/happy_usbmon_t1.keylog" -Y '_ws.expert.severity >= 6291456' | wc -l)" -eq 0

# the blocks themselves
check "T=1: S(IFS request) and response with IFS 254" \
    test "$(count $T1 'esim.t1.s_function == 1 && esim.t1.ifs == 254')" -eq 2
check "T=1: chained I-blocks (M) in both directions" \
    sh -c "[ $(count $T1 'esim.t1.more == 1 && usb.endpoint_address.direction == 0') -ge 2 ] && [ $(count $T1 'esim.t1.more == 1 && usb.endpoint_address.direction == 1') -ge 2 ]"
check "T=1: R-blocks acknowledge chained blocks" test "$(count $T1 'esim.t1.type == 1 && esim.t1.r_error == 0')" -ge 4
check "T=1: every block's LRC checks" \
    test "$(count $T1 'esim.t1.edc.status == 1')" -eq "$(count $T1 esim.t1)" -a "$(count $T1 esim.t1)" -ge 100
r=$(fields $T1 'esim.t1.fragment.count >= 2' esim.t1.fragment.count esim.t1.reassembled.length | head -1)
check "T=1: an APDU reassembled from >= 2 I-blocks ($r)" sh -c "[ \"\$(echo '$r' | cut -f1)\" -ge 2 ]"
check "T=1: STORE DATA blocks of a chained APDU still reassembled into AuthenticateServer" \
    test "$(count $T1 'esim.es10.command == "AuthenticateServer" && esim.es10.fragment.count >= 2')" -ge 1
check "T=1 without the heuristic: Decode As usbccid.subdissector,esim gives the same ES10 view" \
    test "$(es10 $T1 --disable-heuristic esim_ccid -d usbccid.subdissector,esim)" = "$l1"

# a damaged T=1 capture: the LRC of the GetEuiccInfo1 command, the LEN of the GetEuiccChallenge
# command set past the end of the block
python3 - "$S/$T1" "$T/cap/t1_damaged.pcap" <<'EOF'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
b = bytearray(open(src, 'rb').read())
assert struct.unpack('<I', b[:4])[0] == 0xa1b2c3d4 and struct.unpack('<I', b[20:24])[0] == 220
off, done = 24, set()
while off + 16 <= len(b):
    incl = struct.unpack('<I', b[off + 8:off + 12])[0]
    p = off + 16
    ccid = p + 64                      # usbmon mmapped header
    if incl >= 64 + 10 + 4 and b[ccid] == 0x6F:
        blk = ccid + 10
        inf = bytes(b[blk + 3:p + incl])
        if 'lrc' not in done and inf.startswith(bytes.fromhex('81E29100')) and b'\xbf\x20' in inf:
            b[p + incl - 1] ^= 0x5A    # LRC
            done.add('lrc')
        elif 'len' not in done and inf.startswith(bytes.fromhex('81E29100')) and b'\xbf\x2e' in inf:
            b[blk + 2] = (b[blk + 2] + 40) & 0xFF  # LEN past the end
            done.add('len')
    off = p + incl
assert done == {'lrc', 'len'}, done
open(dst, 'wb').write(b)
EOF
chmod a+r "$T/cap/t1_damaged.pcap"
out=$(ts -2 -r "$S/t1_damaged.pcap" -T fields -e _ws.expert.message -Y _ws.expert)
rc=$?
check "damaged T=1: tshark completes (exit $rc)" test "$rc" = 0
check "damaged T=1: bad LRC reported" sh -c "printf '%s\n' \"$out\" | grep -q 'EDC does not check'"
check "damaged T=1: LEN past the end reported" sh -c "printf '%s\n' \"$out\" | grep -q 'LEN .* runs past the end'"
check "damaged T=1: no dissector bug" sh -c "! grep -qi 'dissector bug' '$T/stderr'"
check "damaged T=1: the download after the damaged blocks is still decoded" \
    test "$(count t1_damaged.pcap 'esim.es10.command == "LoadBoundProfilePackage" && esim.es10.result == "successResult"')" -eq 1
finish
