#!/bin/sh
# A USB CCID reader with two card slots (bSlot, byte 5 of every CCID message): each slot holds
# its own card, so pairing, ISD-R channels, STORE DATA / GET RESPONSE reassembly and sessions
# are kept per (reader, slot), as in the core (lib/card/ccid.c). The test interleaves
# happy_usbmon_t0.pcap frame by frame with a copy of itself moved to slot 1 (its
# transactionIds changed, so that the two downloads are two sessions) and expects both
# downloads decoded as the single-slot one is.
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

# two_slots SRC DST: DST = SRC interleaved with its copy in slot 1
two_slots() {
    tids=$(fields "$1" esim.transaction_id esim.transaction_id | tr ',' '\n' | sort -u)
    check "$1: two transactionIds ($(echo $tids))" test "$(printf '%s\n' "$tids" | wc -l)" -eq 2
    python3 - "$S/$1" "$T/cap/$2" $tids <<'EOF'
import struct, sys
src, dst, tids = sys.argv[1], sys.argv[2], [bytes.fromhex(t) for t in sys.argv[3:]]
raw = open(src, 'rb').read()
assert struct.unpack('<I', raw[:4])[0] == 0xa1b2c3d4
hdr = {189: 48, 220: 64}[struct.unpack('<I', raw[20:24])[0]]  # usbmon header size
recs, off = [], 24
while off + 16 <= len(raw):
    incl = struct.unpack('<I', raw[off + 8:off + 12])[0]
    recs.append(raw[off:off + 16 + incl])
    off += 16 + incl
moved = dict.fromkeys(tids, 0)
def slot1(rec):
    b = bytes(rec)
    p = 16 + hdr
    if b[16 + 9] != 3 or len(b) < p + 10:      # not a bulk transfer with a CCID message
        return b
    b = b[:p + 5] + b'\x01' + b[p + 6:]        # bSlot 1
    for t in tids:                             # the second card's sessions get their own ids
        moved[t] += b.count(t)
        b = b.replace(t, bytes(x ^ 0x5A for x in t))
    return b
out = [raw[:24]]
for r in recs:
    out += [r, slot1(r)]                       # frame by frame: slot 0, then slot 1
open(dst, 'wb').write(b''.join(out))
assert all(moved.values()), moved
print("frames per slot:", len(recs), "transactionIds moved:", *moved.values())
EOF
    chmod a+r "$T/cap/$2"
}
src=happy_usbmon_t0.pcap
two=two_slots.pcap
two_slots $src $two

es10() { # FILE FILTER: the ES10 view without the transactionIds
    fields "$1" "esim.es10.command && $2" esim.es10.command esim.es10.direction esim.es10.result \
        esim.asn1.type esim.iccid esim.es10.fragment.count
}
l=$(es10 $src 'esim.ccid.slot == 0')
l0=$(es10 $two 'esim.ccid.slot == 0')
l1=$(es10 $two 'esim.ccid.slot == 1')
n=$(printf '%s\n' "$l" | wc -l)
check "$src: every ES10 frame in slot 0 ($n frames)" test "$n" -ge 20 -a "$n" = "$(count $src esim.es10.command)"
check "two slots: slot 0's ES10 commands, results, reassembly = the single-slot capture's" test "$l0" = "$l"
check "two slots: slot 1's ES10 commands, results, reassembly = the single-slot capture's" test "$l1" = "$l"
check "two slots: every ES10 frame belongs to slot 0 or 1" \
    test "$(count $two esim.es10.command)" -eq $((2 * n))
pir=$(fields $two 'esim.asn1.type == "ProfileInstallationResult"' esim.ccid.slot esim.es10.result | sort | tr '\t\n' ': ')
check "two slots: a successful ProfileInstallationResult per slot ($pir)" \
    test "$pir" = "0:successResult 1:successResult "
t1=$(fields $two 'esim.ccid.slot == 1' esim.transaction_id | tr ',' '\n' | sort -u | grep . | tr '\n' ' ')
t0=$(fields $two 'esim.ccid.slot == 0' esim.transaction_id | tr ',' '\n' | sort -u | grep . | tr '\n' ' ')
check "two slots: slot 0 keeps the transactionIds ($t0)" test "$t0" = "$(echo $tids) "
check "two slots: slot 1 has its own transactionIds ($t1)" test -n "$t1" -a "$t1" != "$t0"
check "two slots: no expert warning or error" \
    test "$(count $two '_ws.expert.severity >= 6291456 && esim')" -eq 0
check "two slots: no unpaired command, no unfinished reassembly" \
    test "$(count $two 'esim.es10.unpaired || esim.es10.incomplete || esim.es10.fragment.error')" -eq 0
check "two slots: responses name their request frame in the same slot" \
    test "$(count $two 'esim.es10.request_in && esim.ccid.slot == 1')" -eq "$(count $src esim.es10.request_in)"
# sessions: one download per slot, each installed
ss=$(ts -2 -r "$S/$two" -q -z esim,sessions)
check "two slots: two sessions installed in -z esim,sessions" \
    test "$(printf '%s\n' "$ss" | grep -c 'verdict installed')" -eq 2
# the slot in the tree and, for slot 1, in the Info column
i1=$(ts -2 -r "$S/$two" -Y 'esim.ccid.slot == 1 && esim.es10.command == "PrepareDownload"' -T fields -e _ws.col.Info | head -1)
i0=$(ts -2 -r "$S/$two" -Y 'esim.ccid.slot == 0 && esim.es10.command == "PrepareDownload"' -T fields -e _ws.col.Info | head -1)
check "Info names slot 1 ($i1)" sh -c "echo '$i1' | grep -q '(slot 1)'"
check "Info of slot 0 as on a single-slot reader ($i0)" sh -c "! echo '$i0' | grep -q 'slot'"
# Decode As usbccid.subdissector finds the slot in the CCID header around the payload
da=$(ts -2 -r "$S/$two" --disable-heuristic esim_ccid -d usbccid.subdissector,esim -Y esim.es10.command -T fields -e esim.ccid.slot -e esim.es10.command -e esim.es10.result)
he=$(ts -2 -r "$S/$two" -Y esim.es10.command -T fields -e esim.ccid.slot -e esim.es10.command -e esim.es10.result)
check "Decode As usbccid.subdissector,esim: same slots and ES10 view as the heuristic" test -n "$da" -a "$da" = "$he"

# the same on a T=1 reader: the I-block chains are reassembled per slot
two_slots happy_usbmon_t1.pcap two_slots_t1.pcap
l=$(es10 happy_usbmon_t1.pcap 'esim.ccid.slot == 0')
check "T=1, two slots: slot 0's ES10 view = the single-slot capture's" \
    test -n "$l" -a "$(es10 two_slots_t1.pcap 'esim.ccid.slot == 0')" = "$l"
check "T=1, two slots: slot 1's ES10 view = the single-slot capture's" \
    test "$(es10 two_slots_t1.pcap 'esim.ccid.slot == 1')" = "$l"
check "T=1, two slots: I-block chains reassembled in both slots" \
    test "$(count two_slots_t1.pcap 'esim.t1.reassembled.in && esim.ccid.slot == 1')" -eq \
         "$(count happy_usbmon_t1.pcap esim.t1.reassembled.in)" -a \
         "$(count happy_usbmon_t1.pcap esim.t1.reassembled.in)" -gt 0
check "T=1, two slots: no expert warning or error" \
    test "$(count two_slots_t1.pcap '_ws.expert.severity >= 6291456 && esim')" -eq 0
check "T=1, two slots: two sessions installed" \
    test "$(ts -2 -r "$S/two_slots_t1.pcap" -q -z esim,sessions | grep -c 'verdict installed')" -eq 2

# the core: esimscope trace sees two cards, two installed sessions
esimscope=${ESIM_BUILD_DIR:-}/analyzer/esimscope
if [ -x "$esimscope" ]; then
    tr=$("$esimscope" trace "$S/$two" 2>&1)
    check "esimscope trace: 2 cards" sh -c "printf '%s\n' \"\$1\" | grep -q ', 2 cards:'" _ "$tr"
    check "esimscope trace: 2 sessions installed" sh -c "printf '%s\n' \"\$1\" | grep -q ' 2 installed,'" _ "$tr"
else
    fail "esimscope not built in ESIM_BUILD_DIR (${ESIM_BUILD_DIR:-unset})"
fi
finish
