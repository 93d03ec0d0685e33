#!/bin/sh
# SGP.22 v2.5 fields in the plugin's ASN.1 tree: an ES10b GetEUICCInfo2 over GSMTAP-SIM whose
# EUICCInfo2 has the v2.5 components (ts102241Version [6], treProperties [13],
# treProductReference [14], additionalEuiccProfilePackageVersions [15], RspCapability bits 4
# and 5, SAIP v3 UICCCapability bits), encoded here byte by byte from the module's tags.
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

python3 - "$T/cap/info2.pcap" <<'EOF'
import struct, sys
def tlv(tag, value):
    n = len(value)
    return bytes.fromhex(tag) + (bytes([n]) if n < 128 else bytes([0x81, n])) + value
ski = bytes([0xAB] * 20)
info2 = tlv('BF22', tlv('81', bytes([2, 3, 1])) + tlv('82', bytes([2, 5, 0])) +
            tlv('83', bytes([1, 2, 3])) + tlv('84', bytes.fromhex('810100')) +
            tlv('85', bytes.fromhex('0040001001')) +        # usimSupport, berTlvFileSupport, iotminimal
            tlv('86', bytes([3, 0, 2])) + tlv('87', bytes([2, 3, 0])) +
            tlv('88', bytes.fromhex('028C')) +              # bits 0, 4, 5
            tlv('A9', tlv('04', ski)) + tlv('AA', tlv('04', ski)) + tlv('8B', b'\x02') +
            tlv('04', bytes([0, 0, 1])) + tlv('0C', b'SAS-0001') +
            tlv('8D', bytes.fromhex('0640')) +              # treProperties: isIntegrated
            tlv('8E', b'TRE-PRODUCT-1') +
            tlv('AF', tlv('04', bytes([2, 2, 0])) + tlv('04', bytes([3, 1, 0]))))
aid = bytes.fromhex('A0000005591010FFFFFFFF8900000100')
def gsmtap(apdu):
    hdr = bytes([2, 4, 4, 0]) + bytes(8) + bytes([0, 0, 0, 0])    # v2, 4 words, type 4 SIM
    udp = struct.pack('>HHHH', 4729, 4729, 8 + len(hdr) + len(apdu), 0) + hdr + apdu
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    return ip + udp
frames = [bytes.fromhex('00A4040010') + aid + bytes.fromhex('9000'),
          bytes.fromhex('80E2910003BF2200') + bytes([0x61, len(info2)]),
          bytes.fromhex('00C00000') + bytes([len(info2)]) + info2 + bytes.fromhex('9000')]
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
    for i, fr in enumerate(frames):
        p = gsmtap(fr)
        f.write(struct.pack('<IIII', 1700000000 + i, 0, len(p), len(p)) + p)
EOF
chmod a+r "$T/cap/info2.pcap"

c=info2.pcap
resp='esim.es10.direction == "response"'
field() { ts -r "$S/$c" -Y "$resp" -T fields -E occurrence=a -e "$1" | head -1; }
v=$(field esim.rsp.ts102241Version)
check "$c: ts102241Version [6] ($v)" test "$v" = "030002"
v=$(field esim.rsp.treProductReference)
check "$c: treProductReference [14] ($v)" test "$v" = "TRE-PRODUCT-1"
v=$(field esim.rsp.T.treProperties.isIntegrated)
check "$c: treProperties isIntegrated ($v)" sh -c "echo '$v' | grep -qiE '^(1|true)'"
v=$(field esim.rsp.RspCapability.serviceSpecificDataSupport)
check "$c: RspCapability serviceSpecificDataSupport ($v)" sh -c "echo '$v' | grep -qiE '^(1|true)'"
v=$(field esim.rsp.UICCCapability.iotminimal)
check "$c: UICCCapability iotminimal, a SAIP v3 bit ($v)" sh -c "echo '$v' | grep -qiE '^(1|true)'"
v=$(ts -r "$S/$c" -Y "$resp" -T fields -E occurrence=a -E separator=, \
    -e esim.rsp.VersionType | head -1)
check "$c: additionalEuiccProfilePackageVersions [15] ($v)" test "$v" = "020200,030100"
exp=$(ts -r "$S/$c" -Y "$resp && _ws.expert" -T fields -e _ws.expert.message | head -1)
check "$c: no expert info on the v2.5 fields ($exp)" test -z "$exp"
finish
