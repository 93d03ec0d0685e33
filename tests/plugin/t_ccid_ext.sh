#!/bin/sh
# Readers that exchange extended-length APDUs (CCID short/extended APDU level): the data field
# starts after the 3-byte Lc (ISO/IEC 7816-3 12.1, read by the core's esim_apdu_parse_body).
# The test rewrites the commands of happy_usbmon_t0.pcap into extended form (STORE DATA as case 4
# with Le 0000, the other commands with data as case 3) and expects the very same ES10 view.
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

python3 - "$S/happy_usbmon_t0.pcap" "$T/cap/ext_apdu.pcap" <<'EOF'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
assert struct.unpack('<I', b[:4])[0] == 0xa1b2c3d4 and struct.unpack('<I', b[20:24])[0] == 220
out, off, n_ext = bytearray(b[:24]), 24, 0
while off + 16 <= len(b):
    ts, us, incl, orig = struct.unpack('<IIII', b[off:off + 16])
    pkt = bytearray(b[off + 16:off + 16 + incl])
    off += 16 + incl
    c = 64                                          # usbmon mmapped header, then CCID
    if incl > c + 10 + 5 and pkt[c] == 0x6F:
        apdu = pkt[c + 10:]
        lc = apdu[4]
        if lc and len(apdu) == 5 + lc:              # short case 3: header, Lc, data
            le = b'\x00\x00' if apdu[1] == 0xE2 else b''
            ext = apdu[:4] + bytes([0, 0, lc]) + apdu[5:] + le
            pkt = pkt[:c + 10] + ext
            struct.pack_into('<I', pkt, c + 1, len(ext))          # CCID dwLength
            struct.pack_into('<iI', pkt, 32, len(pkt) - 64, len(pkt) - 64)  # urb length, len_cap
            n_ext += 1
    out += struct.pack('<IIII', ts, us, len(pkt), len(pkt)) + pkt
assert n_ext >= 20, n_ext
open(dst, 'wb').write(out)
print("extended commands:", n_ext)
EOF
chmod a+r "$T/cap/ext_apdu.pcap"

es10() {
    ts -2 -r "$S/$1" -o "esim.keylog_file:$S/happy_usbmon_t0.keylog" -Y esim.es10.command \
        -T fields -e esim.es10.command -e esim.es10.direction -e esim.es10.result \
        -e esim.bpp.mac_ok -e esim.transaction_id -E occurrence=f
}
l0=$(es10 happy_usbmon_t0.pcap)
l1=$(es10 ext_apdu.pcap)
check "extended APDUs: ES10 frames found ($(printf '%s\n' "$l1" | wc -l))" test "$(printf '%s\n' "$l1" | wc -l)" -ge 20
check "extended APDUs: ES10 functions, results, MAC verdicts, TransactionIDs = the short form's" \
    test "$l0" = "$l1"
check "extended APDUs: STORE DATA blocks reassembled into AuthenticateServer" \
    test "$(count ext_apdu.pcap 'esim.es10.command == "AuthenticateServer" && esim.es10.fragment.count >= 2')" -ge 1
check "extended APDUs: the ISD-R selected (its STORE DATA are ES10)" \
    test "$(count ext_apdu.pcap 'esim.es10.command == "GetEuiccInfo1"')" -ge 1
finish
