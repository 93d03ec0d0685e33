#!/bin/sh
# The ASN.1 trees come from the asn2wrs-generated dissectors: every component is an esim.rsp.*
# field at its exact bytes (checked in -T pdml against offsets computed here from the DER), the
# EID and ICCID show as digits, result codes with their names; a malformed body gives expert
# info and no crash.
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

# pdml FILE FILTER: the PDML of the matching frames (two passes, keys from the sample's key log)
pdml() { ts -2 -r "$S/$1" -o "esim.keylog_file:$S/${1%.*}.keylog" -Y "$2" -T pdml; }

# A capture of one ES10c GetEID over GSMTAP-SIM (SIMtrace framing: header + data + SW per
# message): SELECT ISD-R, STORE DATA BF3E (tagList 5A), 6112, GET RESPONSE with the EID; then
# the same with a response whose inner length runs past its end (malformed).
eid=89049032123451234512345678901235
PYTHONPATH="$(dirname "$0")" python3 - "$T/cap/geteid.pcap" "$eid" <<'EOF'
import sys
from gsmtap_pcap import es10_t0, select_isdr, write
out, eid = sys.argv[1], bytes.fromhex(sys.argv[2])
good = bytes.fromhex('BF3E125A10') + eid
bad = bytes.fromhex('BF3E125A20') + eid                           # 5A claims 32 bytes
frames = []
for rsp in (good, bad):
    frames += [select_isdr()] + es10_t0(bytes.fromhex('BF3E035C015A'), rsp)
write(out, frames)
EOF
chmod a+r "$T/cap/geteid.pcap"

c=geteid.pcap
line=$(ts -2 -r "$S/$c" -Y 'esim.es10.command == "GetEID" && esim.es10.direction == "response"' \
       -T fields -e esim.eid -e esim.rsp.eidValue | head -1)
check "$c: GetEID response: esim.eid shows the EID as digits ($line)" \
    test "$(echo "$line" | cut -f1)" = "$eid"
pdml_eid=$(ts -2 -r "$S/$c" -Y 'esim.es10.command == "GetEID" && esim.es10.direction == "response"' -T pdml |
           python3 -c '
import sys, xml.etree.ElementTree as ET
for f in ET.parse(sys.stdin).getroot().iter("field"):
    if f.get("name") in ("esim.rsp.eidValue", "esim.eid"):
        print(f.get("name"), f.get("size"), f.get("pos"), end=" ")' 2>&1)
# the GET RESPONSE frame: IPv4 20 + UDP 8 + GSMTAP 16 + APDU header 5 bytes, then the response
# BF3E 12 5A 10 <EID>: the EID value starts at byte 44 + 5 + 5 = 54 of the frame
check "$c: esim.rsp.eidValue and esim.eid at bytes 54..69 of the frame ($pdml_eid)" \
    test "$pdml_eid" = "esim.rsp.eidValue 16 54 esim.eid 16 54 "
exp=$(ts -2 -r "$S/$c" -Y 'esim.es10.command == "GetEID" && esim.es10.direction == "response" && !esim.eid' \
      -T fields -e _ws.expert.message -e _ws.malformed | head -1)
check "$c: the malformed GetEID response has expert info ($exp)" \
    sh -c "echo '$exp' | grep -qi 'BER Error\|malformed'"
check "$c: the malformed response is still shown as GetEID" \
    test "$(count $c 'esim.es10.command == "GetEID" && esim.asn1.type == "GetEuiccDataResponse"')" -eq 2
check "$c: no dissector bug" sh -c "! grep -qi 'dissector bug' '$T/stderr'"

# transactionId inside an ES10 command: PrepareDownload's smdpSigned2, at its place in the
# reassembled STORE DATA blocks
c=happy_simtrace_gsmtap.pcap
tid=$(keylog_tid happy_simtrace_gsmtap.keylog)
pdml $c 'esim.es10.command == "PrepareDownload" && esim.es10.direction == "command"' >"$T/pd.xml"
res=$(python3 - "$T/pd.xml" "$tid" <<'EOF'
import sys, xml.etree.ElementTree as ET
root, tid = ET.parse(sys.argv[1]).getroot(), sys.argv[2].lower()
data = next(f.get('value') for f in root.iter('field') if f.get('name') == 'esim.es10.reassembled.data')
f = next(f for f in root.iter('field') if f.get('name') == 'esim.rsp.transactionId')
want = data.index('8010' + tid) // 2 + 2        # [0] 16 bytes, after tag and length
print('ok' if (f.get('value'), int(f.get('size')), int(f.get('pos'))) == (tid, 16, want)
      else 'got %s %s %s, want %s 16 %d' % (f.get('value'), f.get('size'), f.get('pos'), tid, want))
EOF
)
check "$c: esim.rsp.transactionId of PrepareDownload at its bytes in the command ($res)" test "$res" = ok
check "$c: esim.transaction_id at the same bytes" test "$(grep -o '<field name="esim.transaction_id"[^>]*' "$T/pd.xml" | grep -c 'size="16"')" -ge 1

# a certificate field: the SM-DS/SM-DP+ certificate of initiateAuthentication (base64 member
# serverCertificate): tbsCertificate is the first TLV inside the Certificate SEQUENCE
c=happy_http.pcap
pdml $c 'esim.es9p.function == "initiateAuthentication" && http.response' >"$T/ia.xml"
res=$(python3 - "$T/ia.xml" <<'EOF'
import base64, json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
body = next(f.get('value') for f in root.iter('field') if f.get('name') == 'http.file_data')
b64 = json.loads(bytes.fromhex(body))['serverCertificate']
der = base64.b64decode(b64)
member = next(f for f in root.iter('field')
              if f.get('name') == 'esim.es9p.field' and f.get('show') == 'serverCertificate')
b64_ok = int(member.get('size')) == len(b64)
def tlv(d, o):  # (header length, content length) of the DER TLV at o
    n = d[o + 1]
    if n < 0x80:
        return 2, n
    k = n & 0x7f
    return 2 + k, int.from_bytes(d[o + 2:o + 2 + k], 'big')
h, _ = tlv(der, 0)
th, tl = tlv(der, h)
want = (h, th + tl)
spk = der.index(bytes.fromhex('034200'))       # subjectPublicKey BIT STRING, P-256 point
got_tbs = got_spk = None
for f in root.iter('field'):
    if f.get('name') == 'esim.rsp.tbsCertificate_element' and got_tbs is None:
        got_tbs = (int(f.get('pos')), int(f.get('size')))
    if f.get('name') == 'esim.rsp.subjectPublicKey' and got_spk is None:
        got_spk = (int(f.get('pos')), f.get('value'))
ok = got_tbs == want and got_spk == (spk + 3, der[spk + 3:spk + 3 + 65].hex()) and b64_ok
print('ok' if ok else 'tbs %s want %s; key %s want %d; member size %s want %d'
      % (got_tbs, want, got_spk, spk + 3, member.get('size'), len(b64)))
EOF
)
check "$c: serverCertificate: esim.rsp.tbsCertificate and subjectPublicKey at their DER bytes, the member at its base64 string ($res)" test "$res" = ok

# result codes with their names (value strings of the module's named numbers)
c=fail_bpp_mac.pcapng
v=$(pdml $c 'esim.rsp.errorReason' | grep -o '<field name="esim.rsp.\(errorReason\|bppCommandId\)" showname="[^"]*"' | sort -u | sed 's/.*showname="//; s/"$//' | tr '\n' ';')
check "$c: errorReason and bppCommandId with their names ($v)" \
    sh -c "echo '$v' | grep -q 'errorReason: scp03tSecurityError (8)' && echo '$v' | grep -q 'bppCommandId: loadProfileElements (5)'"
# ICCID digits inside the ProfileInstallationResult, from the ASN.1 field
c=happy_simtrace_gsmtap.pcap
i=$(fields $c 'esim.asn1.type == "ProfileInstallationResult"' esim.iccid | head -1)
check "$c: PIR ICCID as digits ($i)" sh -c "echo '$i' | grep -Eq '^89[0-9]{16,18}$'"
# key material masked in the decrypted profile unless asked
c=happy_http.pcap
m=$(pdml $c 'esim.bpp.keys' | grep -c 'showname="pinValue: &lt;8 bytes hidden')
check "$c: PIN values of the decrypted profile are masked ($m)" test "$m" -ge 1
m=$(ts -2 -r "$S/$c" -o "esim.keylog_file:$S/happy_http.keylog" -o esim.show_keys:TRUE -Y esim.bpp.keys -V | grep -c 'bytes hidden')
check "$c: ... and shown with esim.show_keys" test "$m" -eq 0
finish
