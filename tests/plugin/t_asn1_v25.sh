#!/bin/sh
# SGP.22 v2.5 fields in the plugin's ASN.1 tree: an ES10b GetEUICCInfo2 over GSMTAP-SIM whose
# EUICCInfo2 has the v2.5 components (ts102241Version [6], treProperties [13],
# treProductReference [14], additionalEuiccProfilePackageVersions [15], RspCapability bits 4
# and 5, SAIP v3 UICCCapability bits), encoded here byte by byte from the module's tags.
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

PYTHONPATH="$(dirname "$0")" python3 - "$T/cap/info2.pcap" <<'EOF'
import sys
from gsmtap_pcap import es10_t0, select_isdr, tlv, write
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
write(sys.argv[1], [select_isdr()] + es10_t0(bytes.fromhex('BF2200'), info2))
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
