#!/bin/bash
# esimscope decode end to end: certificates made here with the openssl tool, an ES10 result built
# byte by byte, an ES9+ JSON body, malformed input; the TS.48 profiles when ../shared is present.
set -u
E="$ESIMSCOPE"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
. "$(dirname "$0")/lib/check.bash"

# A self-signed brainpool certificate, like an SGP.26 CI.
openssl ecparam -name brainpoolP256r1 -genkey -noout -out "$T/ci.key" 2>/dev/null
openssl req -x509 -new -key "$T/ci.key" -subj "/CN=Test CI/O=esimscope" -days 10 \
    -addext "certificatePolicies=2.23.146.1.2.1.0" -out "$T/ci.pem" 2>/dev/null
openssl x509 -in "$T/ci.pem" -outform DER -out "$T/ci.der"
xxd -p "$T/ci.der" > "$T/ci.hex"
base64 "$T/ci.der" > "$T/ci.b64"
for f in ci.der ci.pem ci.hex ci.b64; do
    check "certificate as ${f#ci.}" 0 "algorithm: 1.2.840.10045.4.3.2 \(ecdsa-with-SHA256\)" "$E" decode "$T/$f"
done
check "names in the subject" 0 "type: 2.5.4.3 \(commonName\)" "$E" decode "$T/ci.der"
check "certificate from stdin" 0 "^Certificate" sh -c "\"$E\" decode - < \"$T/ci.pem\""
check "forced type" 0 "^Certificate" "$E" decode --type Certificate "$T/ci.der"

# ProfileInstallationResult: errorResult { bppCommandId 3, errorReason 8 } (SGP.22 5.7.7).
pir=BF37818ABF27448010A0A1A2A3A4A5A6A7A8A9AAABACADAEAFBF2F25800107810207800C10736D64702E
pir+=6578616D706C652E636F6D5A0A98103254769810325476A208A1068001038101085F3740
pir+=$(printf '5A%.0s' $(seq 64))
echo "$pir" > "$T/pir.hex"
check "ES10 result with names" 0 "errorReason: 8 \(scp03tSecurityError\)" "$E" decode "$T/pir.hex"
check "ICCID digits" 0 "ICCID 89012345678901234567" "$E" decode "$T/pir.hex"
"$E" decode --json "$T/pir.hex" > "$T/pir.json"
python3 - "$T/pir.json" <<'PY' || { echo "FAIL: JSON structure"; fails=$((fails+1)); }
import json, sys
o = json.load(open(sys.argv[1]))
assert o["type"] == "ProfileInstallationResult", o["type"]
r = o["value"]["profileInstallationResultData"]["finalResult"]["errorResult"]
assert r["bppCommandId"]["name"] == "storeMetadata2", r
assert r["errorReason"] == {"value": 8, "name": "scp03tSecurityError"}, r
print("ok: JSON structure")
PY

# ES9+ JSON binding body with a base64 certificate.
printf '{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"0123456789ABCDEF","serverCertificate":"%s"}' \
    "$(base64 -w0 "$T/ci.der")" > "$T/es9.json"
check "ES9+ JSON body" 0 "serverCertificate: \(base64, [0-9]+ bytes\)" "$E" decode "$T/es9.json"

# A Bound Profile Package as the SM-DP+ sent it (the sample download, ES9+ side): the segment
# SEQUENCE OFs carry '87'/'88'/'86' TLVs (implicit tags), each listed.
"$E" trace "$ESIM_SOURCE_DIR/samples/happy_http.pcap" --extract "$T/bpp" >/dev/null 2>&1
bpp=$(ls "$T"/bpp/*.bpp 2>/dev/null | head -1)
check "BPP from a sample: type detected" 0 "^BoundProfilePackage" "$E" decode "${bpp:-$T/missing}"
check "BPP from a sample: 86 segments" 0 "sequenceOf86" "$E" decode "${bpp:-$T/missing}"
check "BPP from a sample: hostId" 0 "hostId: 6573696D73636F70652D736D6470" "$E" decode "${bpp:-$T/missing}"
check "BPP from a sample: JSON" 0 '"firstSequenceOf87"' "$E" decode --json "${bpp:-$T/missing}"

# Malformed input: one line on stderr, exit 2, never a crash.
head -c 100 "$T/ci.der" > "$T/cut.der"
check "truncated DER" 2 "truncated|malformed" "$E" decode "$T/cut.der"
printf '\x00\x01\x02garbage' > "$T/garbage"
check "garbage" 2 "unknown top-level tag|no type decodes" "$E" decode "$T/garbage"
printf 'BF3784FFFFFFFF00' > "$T/huge.hex"
check "4 GB length field" 2 "" "$E" decode "$T/huge.hex"
: > "$T/empty"
check "empty file" 2 "empty" "$E" decode "$T/empty"
check "bad base64" 2 "base64" "$E" decode --in base64 "$T/pir.json"
check "unknown type" 2 "unknown type" "$E" decode --type NoSuchType "$T/ci.der"
check "missing file" 2 "No such file" "$E" decode "$T/none.der"
check "type list" 0 "^BoundProfilePackage$" "$E" decode --list-types

if [ -d "$ESIM_SHARED_DIR/data/ts48" ]; then
    for f in "$ESIM_SHARED_DIR"/data/ts48/*.der; do
        n=$("$E" decode "$f" | grep -c '^# object')
        [ "$n" -gt 10 ] && echo "ok: $(basename "$f"): $n profile elements" ||
            { echo "FAIL: $(basename "$f"): $n elements"; fails=$((fails+1)); }
    done
else
    echo "SKIP part: ../shared/data/ts48 not present"
fi
[ "$fails" -eq 0 ] && echo "decode: all checks passed" || { echo "decode: $fails failed"; exit 1; }
