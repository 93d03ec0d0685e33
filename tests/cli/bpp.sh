#!/bin/bash
# esimscope bpp end to end: fixtures (BPP, key logs, CI + DPpb certificates) come from
# bench_bpp --emit, built with the project's own code and a throw-away PKI.
set -u
GEN="$ESIM_BINARY_DIR/bench/bench_bpp"
[ -x "$GEN" ] || { echo "FAIL: $GEN not built (the build makes it)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$GEN" --emit "$T/fx" >/dev/null || { echo "FAIL: fixture generation"; exit 1; }
cd "$T/fx"
fails=0
. "$(dirname "$0")/lib/check.bash"
E="$ESIMSCOPE"
check "all verified, UPP written" 0 "Result: verified \(all 9 segments\)" \
    "$E" bpp bpp.der --keylog session.keylog --cert pb.pem --ca ci.pem -o "$T/upp.out"
cmp -s "$T/upp.out" upp.der || { echo "FAIL: UPP differs"; fails=$((fails+1)); }
check "keys derived from EUICC_OTSK" 0 "derived from EUICC_OTSK" \
    "$E" bpp bpp.der --keylog otsk.keylog --cert pb.pem --ca ci.pem
check "PPK line only: 86 segments" 0 "only 5 of 9 segments" "$E" bpp bpp.der --keylog ppk.keylog
check "wrong keys" 1 "firstSequenceOf87 segment 1 .*MAC mismatch.*wrong session keys" \
    "$E" bpp bpp.der --keylog wrong.keylog
check "chain to another CI" 1 "certificate chain: FAILED" \
    "$E" bpp bpp.der --keylog session.keylog --cert pb.pem --ca other_ci.pem
check "signature with another DPpb" 1 "smdpSign: +INVALID" \
    "$E" bpp bpp.der --keylog session.keylog --cert other_pb.pem
check "structure only" 0 "sequenceOf86 \(offset [0-9]+, [0-9]+ bytes\): 5 segment" "$E" bpp bpp.der
check "key log on stdin" 0 "verified" sh -c "\"$E\" bpp bpp.der --keylog - < session.keylog"
base64 bpp.der > bpp.b64
check "base64 input" 0 "verified" "$E" bpp bpp.b64 --keylog session.keylog
check "forced hex on DER fails" 2 "" "$E" bpp bpp.der --in hex
head -c 3000 bpp.der > trunc.der
check "truncated BPP: complete segments checked" 1 "BPP truncated: 3000 of [0-9]+ bytes present" \
    "$E" bpp trunc.der --keylog session.keylog
check "truncated BPP: report" 1 "\[1\] offset [0-9]+, 1020 bytes: MAC ok" "$E" bpp trunc.der --keylog session.keylog
head -c 100 bpp.der > trunc_isc.der
check "cut inside InitialiseSecureChannelRequest" 2 "initialiseSecureChannelRequest" "$E" bpp trunc_isc.der
check "no arguments" 2 "expected one BPP" "$E" bpp
check "--ca without --cert" 2 "--ca needs --cert" "$E" bpp bpp.der --ca ci.pem
printf 'SESSION_KEYS 01 02\n' > bad.keylog
check "bad key log" 2 "bad.keylog line 1" "$E" bpp bpp.der --keylog bad.keylog
check "no keys for this transaction" 1 "no keys for transactionId" \
    sh -c "printf 'PPK 01 %032d %032d %032d\n' 0 0 0 > other.keylog; \"$E\" bpp bpp.der --keylog other.keylog"

# one flipped byte in the last 86 segment
python3 - <<'PY'
d = bytearray(open("bpp.der", "rb").read())
d[-20] ^= 0x10
open("flip.der", "wb").write(d)
PY
check "flipped byte in an 86 segment" 1 "sequenceOf86 segment 5 .*MAC mismatch" \
    "$E" bpp flip.der --keylog session.keylog
check "no UPP written when not verified" 1 "no UPP written" \
    "$E" bpp flip.der --keylog session.keylog -o "$T/upp2.out"
[ ! -e "$T/upp2.out" ] || { echo "FAIL: UPP written from a failed BPP"; fails=$((fails+1)); }

# secrets: hidden by default, printed with --show-keys
SENC=$(awk '/^SESSION_KEYS/ {print $3}' session.keylog)
"$E" bpp bpp.der --keylog session.keylog > "$T/plain.txt" 2>&1
"$E" bpp bpp.der --keylog session.keylog --json > "$T/plain.json" 2>&1
if ! grep -q "Result: verified" "$T/plain.txt" || ! grep -q '"verified":true' "$T/plain.json"; then echo "FAIL: reports for the key check did not verify"; fails=$((fails+1))
elif [ -z "$SENC" ] || grep -qi "$SENC" "$T/plain.txt" "$T/plain.json"; then echo "FAIL: S-ENC printed without --show-keys"; fails=$((fails+1)); else echo "ok: keys hidden"; fi
check "--show-keys prints S-ENC" 0 "$SENC" "$E" bpp bpp.der --keylog session.keylog --show-keys

# right S-MAC, wrong S-ENC: every MAC verifies, the padding check names the encryption key
awk '/^SESSION_KEYS/ { $3 = substr($3, 1, 31) ((substr($3, 32, 1) == "0") ? "1" : "0") } { print }' \
    session.keylog > wrong_enc.keylog
check "wrong S-ENC only: padding names the encryption key" 1 \
    "segment [0-9]+ .*bad padding after decryption although the MAC verified.*S-ENC" \
    "$E" bpp bpp.der --keylog wrong_enc.keylog

# JSON report
"$E" bpp bpp.der --keylog session.keylog --cert pb.pem --ca ci.pem --json > "$T/r.json"
python3 - "$T/r.json" upp.der "$(awk '/^SESSION_KEYS/ {print $2}' session.keylog)" <<'PY' || fails=$((fails+1))
import hashlib, json, sys
r = json.load(open(sys.argv[1]))
want = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest().upper()
assert r["transaction_id"] == sys.argv[3], r["transaction_id"]
assert r["segment_counts"] == {"firstSequenceOf87": 1, "sequenceOf88": 2, "secondSequenceOf87": 1, "sequenceOf86": 5}, r["segment_counts"]
assert r["upp_sha256"] == want, (r["upp_sha256"], want)
assert r["signature"]["result"] == "ok" and r["chain"]["result"] == "ok"
assert r["verified"] is True
assert all(s["mac"] == "ok" for p in r["parts"].values() for s in p["segments"])
assert r["store_metadata"]["iccid"] == "8901234567890123456"
print("ok: JSON report")
PY
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
