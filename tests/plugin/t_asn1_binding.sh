#!/bin/sh
# ES9+ / ES11 in the ASN.1 binding (SGP.22 6.6, samples/happy_http_asn1.pcap: the happy_http
# download with DER bodies on /gsma/rsp2/asn1): the function of each message from its CHOICE
# alternative, the TransactionID, the BPP segments with their MACs checked with the key log, the
# PIR of handleNotification, and the session verdicts of `-z esim,sessions` (as for happy_http).
# samples/fail_matching_id_asn1.pcap: authenticateClientError matchingIdRefused(6) as expert info
# with its meaning (8.2.6 / 3.8) and a failed session.
. "$(dirname "$0")/lib.sh"
require_plugin

c=happy_http_asn1.pcap
[ -f "$S/$c" ] || { echo "FAIL: committed sample $c missing"; exit 1; }
fns=$(fields $c 'esim.es9p.function' esim.es9p.function | tr '\n' ' ')
check "$c: a function on every ASN.1 body and on the bodiless 204 ($fns)" test "$fns" = "initiateAuthentication initiateAuthentication authenticateClient authenticateClient initiateAuthentication initiateAuthentication authenticateClient authenticateClient getBoundProfilePackage getBoundProfilePackage handleNotification handleNotification "
check "$c: the SM-DS answers authenticateClient on ES11" test "$(fields $c 'esim.es9p.interface == "ES11"' esim.es9p.function)" = authenticateClient
check "$c: getBoundProfilePackage on ES9+" test "$(count $c 'esim.es9p.interface == "ES9+" && esim.es9p.function == "getBoundProfilePackage"')" -eq 2
check "$c: bodies decoded as RemoteProfileProvisioning*" test "$(fields $c 'esim.es9p.function && esim.asn1.type' esim.asn1.type | cut -d, -f1 | sort -u | tr '\n' ' ')" = "RemoteProfileProvisioningRequest RemoteProfileProvisioningResponse "
tid=$(keylog_tid happy_http_asn1.keylog)
gb=$(fields $c 'esim.es9p.function == "getBoundProfilePackage"' esim.transaction_id | tr ',' '\n' | sort -u | tr '[:lower:]' '[:upper:]')
check "$c: getBoundProfilePackage carries the key log's TransactionID ($tid)" has "$gb" "$tid"
check "$c: matchingId" test "$(fields $c 'esim.matching_id' esim.matching_id | tr ',' '\n' | sort -u)" = SAMPLE-MATCHING-ID-0001
check "$c: the PIR inside handleNotification" test -n "$(fields $c 'esim.es9p.function == "handleNotification" && esim.es10.result == "successResult"' frame.number)"
check "$c: no malformed or error expert info" test "$(count $c 'esim.malformed || esim.rsp_error || esim.es9p.failed || _ws.malformed')" -eq 0
check "$c: BPP segments without keys" test "$(fields $c 'esim.bpp.segment' esim.bpp.segment | tr ',' '\n' | sort -u | wc -l)" -eq 3
check "$c: no MAC verdict without keys" test "$(count $c 'esim.bpp.mac_ok')" -eq 0
macs=$(ts -2 -r "$S/$c" -o "esim.keylog_file:$S/happy_http_asn1.keylog" -Y esim.bpp.mac_ok -T fields -E occurrence=a -E aggregator=, -e esim.bpp.mac_ok)
check "$c: every segment's MAC verifies with the key log ($macs)" sh -c "test -n '$macs' && ! echo '$macs' | tr ',' '\n' | grep -qv '^1$'"

# the same sessions and verdicts as the JSON binding
sess() { ts -r "$S/$1" -q -z esim,sessions | grep -E '^session|EID|ICCID|matchingId' | sed 's/frames [0-9-]*//'; }
a=$(sess $c); j=$(sess happy_http.pcap)
check "$c: -z esim,sessions says installed" sh -c "echo '$a' | grep -q 'verdict installed'"
check "$c: -z esim,sessions as for happy_http ($a)" test "$a" = "$j"

# the failure in the ASN.1 binding: authenticateClientResponseEs9 { authenticateClientError 6 }
c=fail_matching_id_asn1.pcap
[ -f "$S/$c" ] || { echo "FAIL: committed sample $c missing"; exit 1; }
check "$c: authenticateClient answered on ES9+" test "$(count $c 'esim.es9p.interface == "ES9+" && esim.es9p.function == "authenticateClient" && http.response')" -eq 1
check "$c: the error as expert info with its meaning" \
    test "$(count $c 'esim.rsp_error && _ws.expert.message contains "authenticateClientError: matchingIdRefused (6): matching ID refused" && _ws.expert.message contains "subjectCode 8.2.6, reasonCode 3.8"')" -eq 1
check "$c: no malformed expert info" test "$(count $c 'esim.malformed || _ws.malformed')" -eq 0
out=$(ts -r "$S/$c" -q -z esim,sessions)
check "$c: -z esim,sessions: failed at authenticateClient (8.2.6 / 3.8)" \
    sh -c "echo '$out' | grep -q 'verdict failed' && echo '$out' | grep -q 'authenticateClient).*matchingIdRefused' && echo '$out' | grep -q 'subjectCode 8.2.6, reasonCode 3.8'"
finish
