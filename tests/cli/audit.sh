#!/bin/bash
# esimscope audit: the project's own clean package (tests/data/audit_clean.der, checked clean by
# tests/unit/test_audit.c), the TS.48 test profiles (when ../shared is present), exit codes of
# --fail-on, --expect-test, --policy, --json, masking, a BPP from a sample capture with its key
# log, and bad input.
set -u
E="$ESIMSCOPE"
S="$ESIM_SOURCE_DIR"
CLEAN="$S/tests/data/audit_clean.der"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
. "$(dirname "$0")/lib/check.bash"

# --- own clean package ---
check "clean: passes" 0 "no findings: clean" "$E" audit "$CLEAN"
check "clean: --fail-on warning" 0 "" "$E" audit --fail-on warning "$CLEAN"
check "clean: json" 0 '"passed":true' sh -c "\"$E\" audit --json \"$CLEAN\" | tr -d ' \n'"

# --- malformed copies ---
head -c -3 "$CLEAN" > "$T/cut.der"
check "cut short: pe-truncated, exit 1" 1 "\[pe-truncated\]" "$E" audit "$T/cut.der"
printf '\xbf\x30\x03\x02\x01\x05' | cat "$CLEAN" - > "$T/unknown.der"
check "unknown PE after end: pe-unknown + end-not-last" 1 "\[pe-unknown\]" "$E" audit "$T/unknown.der"
grep -q "\[end-not-last\]" "$T/out" && echo "ok: end-not-last" || { echo "FAIL: end-not-last"; fails=$((fails+1)); }

# --- bad input ---
: > "$T/empty.der"
check "empty file: exit 2" 2 "input is empty" "$E" audit "$T/empty.der"
check "missing file: exit 2" 2 "" "$E" audit "$T/nonexistent.der"
check "bad --fail-on" 2 "fail-on" "$E" audit --fail-on info "$CLEAN"
printf 'silence no-such-id because\n' > "$T/badpol"
check "bad policy: line named" 2 "badpol:1: unknown check id" "$E" audit --policy "$T/badpol" "$CLEAN"
check "capture without --keylog: exit 2" 2 "needs --keylog" "$E" audit "$S/samples/happy_http.pcap"
check "clean + bad input: exit 2" 2 "" "$E" audit "$CLEAN" "$T/empty.der"

# --- BPP from a sample capture, opened with its key log ---
mkdir -p "$T/x"
if "$E" trace --no-progress --extract "$T/x" "$S/samples/happy_http.pcap" >/dev/null 2>&1 &&
   ls "$T"/x/*es9p.bpp >/dev/null 2>&1; then
    BPP=$(ls "$T"/x/*es9p.bpp | head -1)
    check "BPP without --keylog: exit 2" 2 "needs --keylog" "$E" audit "$BPP"
    # the samples' profile is production-like (samples/gen): clean even at --fail-on warning
    check "BPP + keylog: audited, clean" 0 "esimscope sample profile" "$E" audit --keylog "$S/samples/happy_http.keylog" "$BPP"
    grep -q "no findings: clean" "$T/out" && echo "ok: sample profile clean" || { echo "FAIL: sample profile has findings"; cat "$T/out"; fails=$((fails+1)); }
    check "BPP + keylog: --fail-on warning" 0 "" "$E" audit --fail-on warning --keylog "$S/samples/happy_http.keylog" "$BPP"
else
    echo "note: no BPP extracted from samples/happy_http.pcap (trace unavailable): BPP checks not run"
fi

# --- captures: every BPP found, opened with the key log ---
check "capture + keylog: each session audited" 0 "^audit of .*happy_http.pcap: session[0-9]+-[0-9A-F]+" \
    "$E" audit --keylog "$S/samples/happy_http.keylog" "$S/samples/happy_http.pcap"
grep -q "ICCID 89990000000000012340" "$T/out" && echo "ok: capture profile checked" || { echo "FAIL: capture profile not audited"; fails=$((fails+1)); }
# every sample with a BPP (the PPK one and brainpool too): the profile audits clean
for c in happy_ppk_http.pcap happy_brainpool_multi.pcapng happy_multi.pcapng; do
    check "$c: sample profile clean" 0 "no findings: clean" "$E" audit --fail-on warning --keylog "$S/samples/${c%.*}.keylog" "$S/samples/$c"
done
check "capture without BPP: exit 2" 2 "no Bound Profile Package" \
    "$E" audit --keylog "$S/samples/cancel_session.keylog" "$S/samples/cancel_session.pcapng"
check "capture with a bad BPP MAC: exit 2, names the segment" 2 "MAC mismatch" \
    "$E" audit --keylog "$S/samples/fail_bpp_mac.keylog" "$S/samples/fail_bpp_mac.pcapng"

# --- TS.48 ---
D="$ESIM_SHARED_DIR/data/ts48"
if [ ! -d "$D" ]; then
    echo "note: $D absent: TS.48 checks skipped"
else
    n=0
    for f in "$D"/*.der; do
        "$E" audit --json "$f" > "$T/j" 2>&1; rc=$?
        c=$(tr -d ' \n' < "$T/j")
        if [ $rc = 1 ] && echo "$c" | grep -q '"id":"test-profile","severity":"error"' &&
           echo "$c" | grep -q '"id":"known-test-key","severity":"error"' && echo "$c" | grep -q '"test_profile":true'; then
            n=$((n+1))
        else
            echo "FAIL: $f: not flagged test-profile + known-test-key (exit $rc)"; fails=$((fails+1))
        fi
    done
    [ $n -ge 14 ] && echo "ok: $n TS.48 profiles flagged" || { echo "FAIL: only $n TS.48 profiles"; fails=$((fails+1)); }
    F="$D/TS48v4_SAIP2.3_BERTLV.der"
    check "TS.48: text grouped by severity" 1 "^ERRORS \([0-9]+\):" "$E" audit "$F"
    grep -q "^WARNINGS" "$T/out" && echo "ok: warnings group" || { echo "FAIL: warnings group"; fails=$((fails+1)); }
    absent "TS.48: keys masked" "000102030405060708090A0B0C0D0E0F"
    check "TS.48: --show-keys" 1 "000102030405060708090A0B0C0D0E0F" "$E" audit --show-keys "$F"
    check "TS.48: --expect-test makes test-profile info" 0 '"id":"test-profile","severity":"info"' \
        sh -c "\"$E\" audit --json --expect-test \"$F\" | tr -d ' \n'"
    cat > "$T/pol" <<'P'
# lab bench: TS.48 profiles are expected here
silence test-profile lab bench, never shipped
silence known-test-key lab bench, never shipped
silence test-algorithm lab bench, never shipped
silence default-pin lab bench, never shipped
silence imsi-test-network lab bench, never shipped
severity rfm-no-ciphering info TS.48 RFM is not used on the bench
severity rfm-no-counter info TS.48 RFM is not used on the bench
P
    check "TS.48 + policy: passes --fail-on warning" 0 "SILENCED BY POLICY" "$E" audit --fail-on warning --policy "$T/pol" "$F"
    grep -q "policy: silenced, lab bench" "$T/out" && echo "ok: reason shown" || { echo "FAIL: reason"; fails=$((fails+1)); }
    check "TS.48 + own: several files, exit 1" 1 "audit of .*audit_clean.der" "$E" audit "$F" "$CLEAN"
fi
[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all audit CLI checks passed"
