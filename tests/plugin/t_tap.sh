#!/bin/sh
# tshark -z esim,sessions: RSP sessions by transactionId across ES9+/ES11 and ES10, with the
# verdicts the samples were generated to show (docs/samples.md); the TransactionIDs come from
# each sample's key log, the failure codes from the SGP.22 status/error the sample simulates.
. "$(dirname "$0")/lib.sh"
require_plugin

# sessions FILE: "TID verdict" lines
sessions() { ts -q -r "$S/$1" -z esim,sessions | awk '/^session / { print $4, $6 }'; }
# verdict FILE: the verdict of the session with the key log's TransactionID
verdict() {
    tid=$(keylog_tid "${1%.*}.keylog")
    [ -n "$tid" ] || { echo "no-tid"; return; }
    sessions "$1" | awk -v t="$tid" '$1 == t { print $2 }'
}

for c in happy_http.pcap happy_simtrace_gsmtap.pcap happy_usbmon_t0.pcap happy_usbpcap.pcap \
         happy_multi.pcapng happy_brainpool_multi.pcapng happy_ppk_http.pcap; do
    check "$c: download session installed" test "$(verdict $c)" = installed
done
for c in fail_bpp_mac.pcapng fail_store_data_6a80.pcapng; do
    check "$c: download session failed" test "$(verdict $c)" = failed
done
# no BPP, so no key log TransactionID: the one session of the capture
check "cancel_session.pcapng: the session is cancelled" test "$(sessions cancel_session.pcapng | awk '{ print $2 }')" = cancelled
check "truncated_mid_bpp.pcapng: incomplete" test "$(verdict truncated_mid_bpp.pcapng)" = incomplete
# the SM-DP+ failures carry no BPP, so no key log TransactionID: the session is found by its code
out=$(ts -q -r "$S/fail_matching_id.pcapng" -z esim,sessions)
check "fail_matching_id: failed at authenticateClient with 8.2.6/3.8" \
    sh -c "echo '$out' | grep -q 'verdict failed' && echo '$out' | grep -q 'authenticateClient): 8.2.6/3.8'"
out=$(ts -q -r "$S/fail_unknown_eum.pcapng" -z esim,sessions)
check "fail_unknown_eum: failed with 8.1.2/6.1" sh -c "echo '$out' | grep -q 'authenticateClient): 8.1.2/6.1'"
out=$(ts -q -r "$S/fail_expired_eum.pcapng" -z esim,sessions)
check "fail_expired_eum: failed with 8.1.2/6.3" \
    sh -c "echo '$out' | grep -q 'verdict failed' && echo '$out' | grep -q 'authenticateClient): 8.1.2/6.3'"
out=$(ts -q -r "$S/fail_bpp_mac.pcapng" -z esim,sessions)
check "fail_bpp_mac: failure names scp03tSecurityError" sh -c "echo '$out' | grep -q 'scp03tSecurityError'"
# the SM-DS event retrieval before the download is its own session
check "happy_http.pcap: ES11 session discovered" \
    test "$(sessions happy_http.pcap | awk '$2 == "discovered"' | wc -l)" -eq 1
# ES9+ and ES10 of the same download end up in one session
out=$(ts -q -r "$S/happy_multi.pcapng" -z esim,sessions)
check "happy_multi.pcapng: one session seen on ES9+ and ES10" sh -c "echo '$out' | grep -q 'interfaces ES9+ ES10'"
out=$(ts -q -r "$S/happy_http.pcap" -z 'esim,sessions,esim.es9p.interface == "ES11"')
check "a display filter limits the tap to ES11" sh -c "echo '$out' | grep -q 'sessions,.*: 1$' && echo '$out' | grep -q 'verdict discovered'"
finish
