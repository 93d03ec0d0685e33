#!/bin/bash
# esimscope trace on the synthetic captures of test_trace (one per verdict), on bad input, and on
# the real SIMtrace capture in ../shared (APDU count and channels as tshark's gsm_sim sees them).
set -u
# a broken build fails here (it must not skip: that would hide it)
"$ESIMSCOPE" trace --help >/dev/null 2>&1 || { echo "FAIL: esimscope trace --help fails"; exit 1; }
gen="$ESIM_BINARY_DIR/tests/test_trace"
[ -x "$gen" ] || { echo "missing $gen"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

ESIM_TRACE_DUMP="$dir" "$gen" >/dev/null 2>&1 || fail "test_trace failed"

# verdict, exit status and session fields per capture
check() { # capture verdict exit
    local out rc
    out=$("$ESIMSCOPE" trace --json "$dir/$1.pcap"); rc=$?
    [ "$rc" = "$3" ] || fail "$1: exit $rc, expected $3"
    echo "$out" | python3 -c '
import json, sys
want = sys.argv[1]
ev = [json.loads(l) for l in sys.stdin]
for e in ev:
    assert "frame" in e and "time" in e, e
sess = [e for e in ev if e["event"] == "session"]
assert len(sess) == 1, sess
assert sess[0]["verdict"] == want, (sess[0]["verdict"], want)
assert sess[0]["transaction_id"] == "0A0B0C0D0E0F1011"
for e in ev:
    if e["event"] == "apdu":
        for k in ("cla", "ins", "p1", "p2"):
            assert len(e[k]) == 2 and e[k] == e[k].upper(), e
        assert len(e["sw"]) == 4 and e["sw"] == e["sw"].upper(), e
        assert isinstance(e["channel"], int) and e["name"], e
        assert e["ins"] != "C0", "GET RESPONSE listed on its own"
' "$2" || fail "$1: JSON check"
}
check installed installed 0
check failed_euicc failed 1
check failed_smdp failed 1
check failed_store_data_sw failed 1
check cancelled cancelled 1
check incomplete incomplete 1

# the failure explanation is in the human report
"$ESIMSCOPE" trace "$dir/failed_euicc.pcap" | grep -q "errorReason 8 scp03tSecurityError at bppCommandId 5 (loadProfileElements)" \
    || fail "failed_euicc: no explanation"
"$ESIMSCOPE" trace "$dir/failed_smdp.pcap" | grep -q "8.2.6/3.8 Matching ID: Refused" || fail "failed_smdp: no code"
"$ESIMSCOPE" trace "$dir/installed.pcap" | grep -q "copies identical" || fail "installed: BPP comparison"
"$ESIMSCOPE" trace -v "$dir/installed.pcap" | grep -q "STORE DATA" || fail "-v lists no APDU"

# violations: error findings, exit 1 even though the session installed
"$ESIMSCOPE" trace --json "$dir/violations.pcap" > "$dir/v.json"; [ $? = 1 ] || fail "violations: exit"
grep '"event":"finding"' "$dir/v.json" | grep -q "MAC-only '88' segment out of order" || fail "violations: 88 order"

# --extract writes both copies of the BPP, identical
"$ESIMSCOPE" trace --extract "$dir/x" "$dir/installed.pcap" >/dev/null || fail "extract"
a=$(ls "$dir"/x/*-es9p.bpp) b=$(ls "$dir"/x/*-storedata.bpp)
cmp -s "$a" "$b" || fail "extracted BPPs differ"

# bad input: exit 2 with a one-line message; a truncated capture: findings, exit 1, no crash
echo "not a capture" > "$dir/bad"
"$ESIMSCOPE" trace "$dir/bad" 2> "$dir/err"; [ $? = 2 ] || fail "bad input: exit"
[ "$(wc -l < "$dir/err")" = 1 ] || fail "bad input: message"
head -c 2000 "$dir/installed.pcap" > "$dir/cut.pcap"
"$ESIMSCOPE" trace "$dir/cut.pcap" > "$dir/cut.txt"; rc=$?
[ $rc = 1 ] || fail "truncated capture: exit $rc"
grep -q "capture breaks off" "$dir/cut.txt" || fail "truncated capture: no finding"
"$ESIMSCOPE" trace - < "$dir/installed.pcap" | grep -q INSTALLED || fail "stdin"

# the real SIMtrace capture: 657 APDUs (558 / 91 / 8 on channels 0 / 1 / 2, figures from
# tshark's gsm_sim dissector, see docs/capture-input.md), every status word a 4-digit hex
real="$ESIM_SHARED_DIR/data/traces/simtrace-gsmtap-uicc.pcapng"
if [ -f "$real" ]; then
    "$ESIMSCOPE" trace --json "$real" | python3 -c '
import json, sys, collections
ev = [json.loads(l) for l in sys.stdin]
ap = [e for e in ev if e["event"] == "apdu"]
ch = collections.Counter(e["channel"] for e in ap)
assert len(ap) == 657, len(ap)
assert (ch[0], ch[1], ch[2]) == (558, 91, 8), ch
assert all(len(e["sw"]) == 4 for e in ap)
assert not any(e["ins"] == "C0" for e in ap)
' || fail "real SIMtrace capture"
else
    echo "skip real capture: $real absent"
fi
echo OK
