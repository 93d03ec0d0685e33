#!/bin/bash
# esimscope trace on every sample capture of samples/ (engineer "samples"): the verdict of each
# download session, the failure diagnosis, the BPP comparison, and decryption with the key log.
set -u
# a broken build fails here (it must not skip: that would hide it)
"$ESIMSCOPE" trace --help >/dev/null 2>&1 || { echo "FAIL: esimscope trace --help fails"; exit 1; }
S="$ESIM_SOURCE_DIR/samples"
ls "$S"/*.pcap* >/dev/null 2>&1 || { echo "FAIL: no sample captures in $S"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# sample, expected verdicts of its sessions in order, exit status, text the report must contain
check() {
    local f="$S/$1" out rc
    [ -f "$f" ] || fail "$1: committed sample missing"
    "$ESIMSCOPE" trace --json "$f" > "$dir/out.json"; rc=$?
    [ "$rc" = "$3" ] || fail "$1: exit $rc, expected $3"
    got=$(python3 -c '
import json, sys
print(" ".join(json.loads(l)["verdict"] for l in open(sys.argv[1]) if "\"event\":\"session\"" in l))' "$dir/out.json")
    [ "$got" = "$2" ] || fail "$1: verdicts '$got', expected '$2'"
    if [ -n "${4:-}" ]; then
        "$ESIMSCOPE" trace "$f" | grep -qF -- "$4" || fail "$1: report lacks '$4'"
    fi
    echo "ok $1: $got"
}
for f in happy_simtrace_gsmtap.pcap happy_usbmon_t0.pcap happy_usbmon_t1.pcap happy_usbpcap.pcap; do
    check $f "discovered installed" 0 "segments loaded"
done
check happy_https.pcapng "discovered installed" 0 "segments loaded" # ES9+ inside TLS: card side only
for f in happy_multi.pcapng happy_brainpool_multi.pcapng; do
    check $f "discovered installed" 0 "copies identical"
done
for f in happy_http.pcap happy_http_mss536.pcap happy_ppk_http.pcap happy_http_asn1.pcap; do
    check $f "discovered installed" 0 "profile      esimscope sample profile"
done
check fail_matching_id.pcapng failed 1 "8.2.6/3.8 Matching ID: Refused"
# the same failure in the ASN.1 binding: the error INTEGER of AuthenticateClientResponseEs9,
# explained as the status code it stands for
check fail_matching_id_asn1.pcap failed 1 "failed at    authenticateClient (by the SM-DP+): authenticateClientError 6 matchingIdRefused"
check fail_matching_id_asn1.pcap failed 1 "matchingIdRefused — matching ID refused: activation code token or EventID unknown or not for this eUICC (8.2.6/3.8 Matching ID: Refused)"
check fail_unknown_eum.pcapng failed 1 "8.1.2/6.1 EUM Certificate: Verification failed"
check fail_expired_eum.pcapng failed 1 "8.1.2/6.3 EUM Certificate: Expired"
check fail_expired_eum.pcapng failed 1 "(EUM Certificate: Expired) — EUM certificate expired (" # the one-line meaning
check fail_bpp_mac.pcapng failed 1 "errorReason 8 scp03tSecurityError"
check fail_store_data_6a80.pcapng failed 1 "SW 6A80"
check cancel_session.pcapng cancelled 1 "reason endUserRejection"
check truncated_mid_bpp.pcapng "discovered incomplete" 1 "capture ended during the BPP load"

# the EID (from the eUICC certificate's serialNumber) is the one the sample's key log names
[ -f "$S/happy_http.keylog" ] || fail "happy_http.keylog: committed sample missing"
eid=$(grep -o '89[0-9]\{30\}' "$S/happy_http.keylog" | head -1)
[ -n "$eid" ] || fail "no EID in happy_http.keylog"
"$ESIMSCOPE" trace --json "$S/happy_http.pcap" | grep '"event":"session"' | grep -q "\"eid\":\"$eid\"" \
    || fail "happy_http: session EID is not $eid"

# the ASN.1 binding (SGP.22 6.6) sample is the same download as happy_http: the same sessions
# (transactionId, EID, matching ID, ICCID, SM-DS / SM-DP+, verdict), functions and interfaces
for f in happy_http_asn1.pcap happy_http.pcap; do [ -f "$S/$f" ] || fail "$f: committed sample missing"; done
summary() {
    "$ESIMSCOPE" trace --json --keylog "$2" "$1" | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e.get("event") == "session":
        print(e["transaction_id"], e["verdict"], e.get("eid"), e.get("matching_id"), e.get("iccid"),
              e.get("smdp_address"), [(s["iface"], s["function"]) for s in e.get("timeline", [])])'
}
summary "$S/happy_http.pcap" "$S/happy_http.keylog" > "$dir/json.txt"
summary "$S/happy_http_asn1.pcap" "$S/happy_http_asn1.keylog" > "$dir/asn1.txt"
grep -q "installed .*SAMPLE-MATCHING-ID-0001 89990000000000012340" "$dir/json.txt" \
    || fail "happy_http: unexpected session summary: $(cat "$dir/json.txt")"
diff "$dir/json.txt" "$dir/asn1.txt" || fail "happy_http_asn1: sessions differ from happy_http"
"$ESIMSCOPE" trace --keylog "$S/happy_http_asn1.keylog" "$S/happy_http_asn1.pcap" > "$dir/a.txt"
grep -q "decrypt .*3 segments checked, 0 failed" "$dir/a.txt" || fail "happy_http_asn1: BPP not decrypted"
grep -q "SM-DS        smds.esimscope.test" "$dir/a.txt" || fail "happy_http_asn1: SM-DS session not ES11"
"$ESIMSCOPE" trace --extract "$dir/x" "$S/happy_http_asn1.pcap" >/dev/null
bpp=$(ls "$dir"/x/*es9p* 2>/dev/null | head -1)
[ -n "$bpp" ] || fail "happy_http_asn1: no BPP extracted"
"$ESIMSCOPE" bpp --keylog "$S/happy_http_asn1.keylog" "$bpp" > "$dir/b.txt" \
    || fail "happy_http_asn1: esimscope bpp on the extracted BPP: $(tail -3 "$dir/b.txt")"
# JSON Lines go out as they happen: before the SM-DS answers, the ASN.1 binding cannot tell
# ES9+ from ES11 (same URI), so those events say so; getBoundProfilePackage is ES9+.
ifaces=$("$ESIMSCOPE" trace --json "$S/happy_http_asn1.pcap" | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e.get("event") == "es9p":
        print(e["frame"], e["iface"], e["function"])')
echo "$ifaces" | grep -q "^4 ES9+/ES11 initiateAuthentication" || fail "happy_http_asn1: first event iface: $ifaces"
echo "$ifaces" | grep -q "ES9+ getBoundProfilePackage" || fail "happy_http_asn1: BPP event iface: $ifaces"
echo "ok happy_http_asn1: same sessions as happy_http, BPP extracted and opened"

# with the key log, the BPP of the happy download is decrypted and the profile shown
for f in happy_multi.keylog fail_bpp_mac.keylog; do [ -f "$S/$f" ] || fail "$f: committed sample missing"; done
"$ESIMSCOPE" trace --keylog "$S/happy_multi.keylog" "$S/happy_multi.pcapng" > "$dir/k.txt"
grep -q "decrypt .* 0 failed" "$dir/k.txt" || fail "happy_multi: BPP not decrypted"
grep -q "decrypt .*profile elements" "$dir/k.txt" || fail "happy_multi: no profile summary"
"$ESIMSCOPE" trace --keylog "$S/fail_bpp_mac.keylog" "$S/fail_bpp_mac.pcapng" > "$dir/k2.txt"
grep -q "decrypt .*FAILED" "$dir/k2.txt" || fail "fail_bpp_mac: bad MAC not found with the keys"
echo OK
