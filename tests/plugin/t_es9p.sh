#!/bin/sh
# ES9+ / ES11 HTTP bodies (JSON binding): function from the URI, status, base64 fields decoded
# as ASN.1, key values, failures as expert info; the BPP with and without the key log.
. "$(dirname "$0")/lib.sh"
require_plugin

c=happy_http.pcap
fns=$(fields $c 'esim.es9p.interface == "ES9+"' esim.es9p.function | sort -u)
for fn in initiateAuthentication authenticateClient getBoundProfilePackage handleNotification; do
    check "$c: ES9+ $fn" has "$fns" "$fn"
done
fns=$(fields $c 'esim.es9p.interface == "ES11"' esim.es9p.function | sort -u)
check "$c: ES11 initiateAuthentication + authenticateClient" sh -c "test \"\$(echo '$fns' | tr '\n' ' ')\" = 'authenticateClient initiateAuthentication '"
check "$c: JSON dissector still runs" test "$(count $c 'esim.es9p.function && json')" -ge 8
check "$c: responses report Executed-Success" test "$(fields $c 'esim.es9p.status' esim.es9p.status | sort -u)" = Executed-Success
tid=$(keylog_tid happy_http.keylog)
check "$c: key log has a TransactionID" test -n "$tid"
gb=$(fields $c 'esim.es9p.function == "getBoundProfilePackage"' esim.transaction_id | tr ',' '\n' | sort -u | tr '[:lower:]' '[:upper:]')
check "$c: getBoundProfilePackage carries the key log's TransactionID" has "$gb" "$tid"
check "$c: matchingId in the signed ctxParams1" test -n "$(fields $c 'esim.matching_id' esim.matching_id)"
check "$c: base64 fields decoded as ASN.1" has "$(fields $c 'esim.asn1.type' esim.asn1.type | tr ',' '\n' | sort -u)" AuthenticateServerResponse
check "$c: the PIR inside handleNotification" test -n "$(fields $c 'esim.es9p.function == "handleNotification" && esim.es10.result == "successResult"' frame.number)"
check "$c: no malformed or error expert info" test "$(count $c 'esim.malformed || esim.rsp_error || esim.es9p.failed')" -eq 0

# BPP segments; MAC results only with the key log
check "$c: BPP segments without keys" test "$(fields $c 'esim.bpp.segment' esim.bpp.segment | tr ',' '\n' | sort -u | wc -l)" -eq 3
check "$c: no MAC verdict without keys" test "$(count $c 'esim.bpp.mac_ok')" -eq 0
macs=$(ts -2 -r "$S/$c" -o "esim.keylog_file:$S/happy_http.keylog" -Y esim.bpp.mac_ok -T fields -E occurrence=a -E aggregator=, -e esim.bpp.mac_ok)
check "$c: every segment's MAC verifies with the key log ($macs)" sh -c "test -n '$macs' && ! echo '$macs' | tr ',' '\n' | grep -qv '^1$'"
md=$(ts -2 -r "$S/$c" -o "esim.keylog_file:$S/happy_http.keylog" -Y 'esim.asn1.type == "StoreMetadataRequest"' -T fields -e esim.iccid | head -1)
check "$c: decrypted StoreMetadata shows the ICCID ($md)" test -n "$md"

c=fail_bpp_mac.pcapng
macs=$(ts -2 -r "$S/$c" -o "esim.keylog_file:$S/fail_bpp_mac.keylog" -Y 'esim.es9p.function && esim.bpp.mac_ok' -T fields -E occurrence=a -E aggregator=, -e esim.bpp.mac_ok)
check "$c: a segment fails its MAC ($macs)" sh -c "echo '$macs' | tr ',' '\n' | grep -qx 0"
check "$c: failed MAC is expert info" test "$(ts -2 -r "$S/$c" -o "esim.keylog_file:$S/fail_bpp_mac.keylog" -Y esim.bpp.mac_failed | wc -l)" -ge 1

# HTTPS: with Wireshark's TLS key log the same ES9+/ES11 view; without it nothing
c=happy_https.pcapng
check "$c: nothing without the TLS key log" test "$(count $c esim.es9p.function)" -eq 0
fns=$(ts -2 -r "$S/$c" -o "tls.keylog_file:$S/happy_https.sslkeylog" -Y esim.es9p.function -T fields -e esim.es9p.function | sort -u | tr '\n' ' ')
check "$c: ES9+/ES11 functions over TLS ($fns)" sh -c "echo '$fns' | grep -q getBoundProfilePackage && echo '$fns' | grep -q authenticateClient"

c=fail_matching_id.pcapng
sr=$(fields $c 'esim.es9p.status == "Failed"' esim.es9p.function esim.es9p.subject_code esim.es9p.reason_code)
check "$c: authenticateClient Failed 8.2.6 / 3.8 ($sr)" test "$sr" = "$(printf 'authenticateClient\t8.2.6\t3.8')"
check "$c: failure as expert info with its meaning" \
    test -n "$(fields $c 'esim.es9p.failed && _ws.expert.message contains "Matching ID" || _ws.expert.message contains "matching ID"' frame.number)"
c=fail_unknown_eum.pcapng
check "$c: 8.1.2 / 6.1" test "$(fields $c 'esim.es9p.status == "Failed"' esim.es9p.subject_code esim.es9p.reason_code)" = "$(printf '8.1.2\t6.1')"
c=fail_expired_eum.pcapng
check "$c: 8.1.2 / 6.3" test "$(fields $c 'esim.es9p.status == "Failed"' esim.es9p.subject_code esim.es9p.reason_code)" = "$(printf '8.1.2\t6.3')"
check "$c: failure as expert info with its meaning" \
    test -n "$(fields $c 'esim.es9p.failed && _ws.expert.message contains "reasonCode 6.3: EUM certificate expired"' frame.number)"
finish
