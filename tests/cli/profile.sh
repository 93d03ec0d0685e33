#!/bin/bash
# esimscope profile on the project's own built package (tests/data/saip_built.der, written by
# esim_saip_build from fixed parameters, see tests/unit/test_saip_build.c) and, when ../shared
# is present, on the 14 TS.48 test profiles.
set -u
E="$ESIMSCOPE"
OWN="$ESIM_SOURCE_DIR/tests/data/saip_built.der"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
. "$(dirname "$0")/lib/check.bash"

# --- own package ---
check "own: text" 0 "imsi: 001010000012345" "$E" profile "$OWN"
check "own: ICCID swapped" 0 "iccid_nibble_order: swapped" "$E" profile "$OWN"
check "own: json" 0 '"iccid":"89882990000000123452"' sh -c "\"$E\" profile --json \"$OWN\" | tr -d ' \n'"
check "own: 10 PEs in order" 0 '^header,mf,pukCodes,pinCodes,usim,pinCodes,akaParameter,securityDomain,rfm,end,$' \
    sh -c "\"$E\" profile --json \"$OWN\" | tr -d ' \n' | grep -o '\"type\":\"[a-zA-Z-]*\",\"offset\"' | cut -d'\"' -f4 | tr '\n' ,"
check "own: keys hidden" 0 '"key_length":16' sh -c "\"$E\" profile --json \"$OWN\" | tr -d ' \n'"
absent "own: no K without --show-keys" "101112131415161718191A1B1C1D1E1F"
check "own: --show-keys" 0 '"key":"101112131415161718191A1B1C1D1E1F"' \
    sh -c "\"$E\" profile --json --show-keys \"$OWN\" | tr -d ' \n'"
base64 "$OWN" > "$T/own.b64"
check "own: base64 on stdin" 0 "imsi: 001010000012345" sh -c "\"$E\" profile --in base64 - < \"$T/own.b64\""
od -An -v -tx1 "$OWN" | tr -d ' \n' > "$T/own.hex"
check "own: hex detected" 0 "imsi: 001010000012345" "$E" profile "$T/own.hex"

# --- bad input: exit 2 and one line naming the PE and offset ---
head -c 300 "$OWN" > "$T/cut.der"
check "truncated" 2 "PE #4 at offset 258" "$E" profile "$T/cut.der"
[ "$(wc -l < "$T/err")" = 1 ] && echo "ok: one-line error" || { echo "FAIL: error is not one line"; fails=$((fails+1)); }
printf '\x30\x03\x02\x01\x00' > "$T/notpe.der"
check "not a profile" 2 "PE #0 at offset 0" "$E" profile --in der "$T/notpe.der"
check "no file" 2 "" "$E" profile "$T/missing.der"
check "bad --in" 2 "--in must be" "$E" profile --in xml "$OWN"

# --- TS.48 ---
TS48="$ESIM_SHARED_DIR/data/ts48"
if [ ! -d "$TS48" ]; then
    # The own-package checks above stand alone: report them, skip only the TS.48 part.
    echo "SKIP (TS.48 part only): $TS48 absent"
    [ $fails = 0 ] || exit 1
    exit 0
fi
n=0
for f in "$TS48"/*.der; do
    b=$(basename "$f")
    check "$b" 0 "imsi: 001010123456063" "$E" profile "$f"
    grep -q "iccid_nibble_order: plain" "$T/out" || { echo "FAIL: $b: nibble order"; fails=$((fails+1)); }
    n=$((n+1))
done
[ $n = 14 ] || { echo "FAIL: $n TS.48 profiles, expected 14"; fails=$((fails+1)); }
check "TS.48 json end PE" 0 '"type":"end","offset":12110,"length":9' \
    sh -c "\"$E\" profile --json \"$TS48/TS48v4_SAIP2.3_NoBERTLV.der\" | tr -d ' \n'"
check "TS.48 test key with --show-keys" 0 '"key":"000102030405060708090A0B0C0D0E0F"' \
    sh -c "\"$E\" profile --json --show-keys \"$TS48/TS48v1_A.der\" | tr -d ' \n'"

[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all profile CLI checks passed"
