#!/usr/bin/env bash
# The committed sample captures (samples/, docs/samples.md) as Debian's tshark 4.0 sees them:
# every file opens with no expert error or warning, with IP/UDP/TCP checksum validation on, and
# the TCP/HTTP, GSMTAP-SIM and USB CCID layers decode as each sample says. Needs tshark (skip
# without it). Runs Debian's tshark without any plugin, the esimscope plugin included even when it
# is installed system-wide (cmake --install): as an unprivileged user (Wireshark ignores
# WIRESHARK_PLUGIN_DIR when run as root) with an empty plugin folder and a fresh HOME.
set -u
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
W=$(mktemp -d /tmp/esim-samples-tshark.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/noplugins/4.0/epan" "$W/home" "$W/samples"
cp "${ESIM_SOURCE_DIR:?}"/samples/*.pcap "$ESIM_SOURCE_DIR"/samples/*.pcapng "$ESIM_SOURCE_DIR"/samples/*.sslkeylog "$W/samples/"
chmod -R a+rX "$W"
S=$W/samples
tshark_bare() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
            env HOME="$W/home" WIRESHARK_PLUGIN_DIR="$W/noplugins" tshark "$@"
    else
        env HOME="$W/home" WIRESHARK_PLUGIN_DIR="$W/noplugins" tshark "$@"
    fi
}
if tshark_bare -G plugins 2>/dev/null | grep -q 'esim\.so'; then
    echo "FAIL: tshark still loads the esimscope plugin: this test would not see tshark's own view"
    exit 1
fi
ts() { tshark_bare -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
         -o tcp.desegment_tcp_streams:TRUE -r "$@" 2>/dev/null; }

shopt -s nullglob
files=("$S"/*.pcap "$S"/*.pcapng)
[ ${#files[@]} -ge 14 ] || fail "expected at least 14 sample captures, found ${#files[@]}"

# 1. no malformed packet, no bad checksum, no expert warning in any sample
# (malformed frames and bad checksums are expert errors; io,stat counts the frames in the same run)
for f in "${files[@]}"; do
    out=$(ts "$f" -q -z expert -z io,stat,0) || { fail "$(basename "$f"): tshark could not read it"; continue; }
    if grep -qE '^(Errors|Warns) \(' <<<"$out"; then
        fail "$(basename "$f"): expert errors/warnings"; echo "$out"
    fi
    n=$(awk -F'|' '/<>/ {gsub(/ /, "", $3); print $3}' <<<"$out")
    [ "${n:-0}" -gt 10 ] || fail "$(basename "$f"): only ${n:-0} frames"
done

# 2. GSMTAP-SIM as SIMtrace sends it: type 4, ATR first, STORE DATA on logical channel 1
f=$S/happy_simtrace_gsmtap.pcap
# (tshark 4.0 hands GSMTAP type 4 straight to its SIM dissector: every frame must show gsm_sim)
[ "$(ts "$f" -T fields -e udp.dstport | sort -u)" = "4729" ] || fail "gsmtap: UDP port is not 4729"
[ "$(ts "$f" -Y '!gsm_sim' -T fields -e frame.number | wc -l)" -eq 0 ] || fail "gsmtap: frames without GSM SIM"
[ "$(ts "$f" -T fields -e udp.payload | cut -c1-6 | sort -u)" = "020404" ] || fail "gsmtap: header is not version 2, 4 words, type 4 (SIM)"
sd=$(ts "$f" -Y 'gsm_sim.apdu.ins == 0xe2' -T fields -e gsm_sim.apdu.p1 | sort | uniq -c | tr -s ' ')
grep -q '0x91' <<<"$sd" && grep -q '0x11' <<<"$sd" || fail "gsmtap: STORE DATA with P1 91 (last) and 11 (more) expected, got: $sd"
n=$(ts "$f" -Y 'gsm_sim.apdu.ins == 0xc0' -T fields -e frame.number | wc -l)
[ "$n" -ge 8 ] || fail "gsmtap: expected GET RESPONSE exchanges (T=0), got $n"
ts "$f" -Y 'gsm_sim.apdu.ins == 0xa4' -T fields -e gsm_sim.apdu.cla.log_chan | grep -qx '1' || fail "gsmtap: SELECT ISD-R not on channel 1"

# 3. USB CCID (usbmon and USBPcap): descriptors, IccPowerOn, XfrBlock, DataBlock
for f in "$S"/happy_usbmon_t0.pcap "$S"/happy_usbmon_t1.pcap "$S"/happy_usbpcap.pcap "$S"/fail_bpp_mac.pcapng; do
    types=$(ts "$f" -T fields -e usbccid.bMessageType | sort -u | tr '\n' ' ')
    [ "$types" = " 0x62 0x6f 0x80 " ] || [ "$types" = "0x62 0x6f 0x80 " ] || fail "$(basename "$f"): CCID message types: '$types'"
    n=$(ts "$f" -Y 'usb.transfer_type == 0x03' -T fields -e frame.number | wc -l)
    [ "$n" -ge 100 ] || fail "$(basename "$f"): only $n bulk URBs"
done
ts "$S/happy_usbmon_t0.pcap" -T fields -e usb.urb_type | grep -q "'S'" || fail "usbmon: no submission URBs"
# T=1: I-blocks with the M (chaining) bit set appear (APDUs longer than IFSD 254)
n=$(ts "$S/happy_usbmon_t1.pcap" -Y 'usbccid.bMessageType == 0x6f' -T fields -e data.data | cut -c3-4 | grep -cE '^(20|60)$')
[ "$n" -ge 5 ] || fail "T=1: expected chained I-blocks from the host, got $n"

# 4. TCP/HTTP: every ES11/ES9+ call, in order, each answered; chunked body; MSS
expect="/gsma/rsp2/es11/initiateAuthentication
/gsma/rsp2/es11/authenticateClient
/gsma/rsp2/es9plus/initiateAuthentication
/gsma/rsp2/es9plus/authenticateClient
/gsma/rsp2/es9plus/getBoundProfilePackage
/gsma/rsp2/es9plus/handleNotification"
for f in "$S"/happy_http.pcap "$S"/happy_http_mss536.pcap "$S"/happy_multi.pcapng; do
    got=$(ts "$f" -Y http.request -T fields -e http.request.uri)
    [ "$got" = "$expect" ] || fail "$(basename "$f"): request URIs: $got"
    [ "$(ts "$f" -Y http.response -T fields -e frame.number | wc -l)" -eq 6 ] || fail "$(basename "$f"): not 6 responses"
    ts "$f" -Y http.request -T fields -e http.request.line | grep -q 'X-Admin-Protocol: gsma/rsp/v2.2.0' || fail "$(basename "$f"): X-Admin-Protocol header missing"
    [ "$(ts "$f" -Y 'http.transfer_encoding == "chunked"' -T fields -e frame.number | wc -l)" -eq 1 ] || fail "$(basename "$f"): expected one chunked response"
    [ "$(ts "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.number | wc -l)" -eq 2 ] || fail "$(basename "$f"): expected 2 connections"
    [ "$(ts "$f" -Y 'tcp.flags.fin == 1' -T fields -e frame.number | wc -l)" -eq 4 ] || fail "$(basename "$f"): expected FIN from both sides of both connections"
done
# the ASN.1 binding (SGP.22 6.6): the six calls all POST to /gsma/rsp2/asn1 with Content-Type
# application/x-gsma-rsp-asn1 and X-Admin-Protocol; the notification is answered 204 without a
# body (the bodies' ASN.1 is checked by tests/cli/trace_samples.sh and the plugin tests)
f=$S/happy_http_asn1.pcap
[ -f "$f" ] || fail "happy_http_asn1.pcap: committed sample missing"
[ "$(ts "$f" -Y http.request -T fields -e http.request.uri | sort -u)" = "/gsma/rsp2/asn1" ] || fail "happy_http_asn1: request URIs"
[ "$(ts "$f" -Y http.request -T fields -e http.request.uri | wc -l)" -eq 6 ] || fail "happy_http_asn1: not 6 requests"
[ "$(ts "$f" -Y 'http.content_type == "application/x-gsma-rsp-asn1"' -T fields -e frame.number | wc -l)" -eq 11 ] || fail "happy_http_asn1: not 11 ASN.1 bodies"
ts "$f" -Y http.request -T fields -e http.request.line | grep -q 'X-Admin-Protocol: gsma/rsp/v2.2.0' || fail "happy_http_asn1: X-Admin-Protocol header missing"
[ "$(ts "$f" -Y 'http.response.code == 204' -T fields -e frame.number | wc -l)" -eq 1 ] || fail "happy_http_asn1: no 204 to handleNotification"
[ "$(ts "$f" -Y 'http.transfer_encoding == "chunked"' -T fields -e frame.number | wc -l)" -eq 1 ] || fail "happy_http_asn1: expected one chunked response"
maxlen() { ts "$1" -T fields -e tcp.len | sort -n | tail -1; }
[ "$(maxlen "$S/happy_http.pcap")" = 1460 ] || fail "happy_http: largest segment is not 1460 bytes"
[ "$(maxlen "$S/happy_http_mss536.pcap")" = 536 ] || fail "happy_http_mss536: largest segment is not 536 bytes"
n=$(ts "$S/happy_http_mss536.pcap" -Y 'tcp.reassembled.length > 1072' -T fields -e frame.number | wc -l)
[ "$n" -ge 3 ] || fail "happy_http_mss536: expected bodies reassembled from 3+ segments, got $n"

# HTTPS: TLS 1.2 with TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (SGP.22 2.6.6) on 443, and the
# SSLKEYLOGFILE beside it decrypts the same six calls
f=$S/happy_https.pcapng
[ "$(ts "$f" -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.ciphersuite | sort -u)" = "0xc02b" ] || fail "https: server hello cipher suite"
[ "$(ts "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e tcp.dstport | sort -u)" = "443" ] || fail "https: not port 443"
[ "$(ts "$f" -Y http.request -T fields -e frame.number | wc -l)" -eq 0 ] || fail "https: HTTP visible without the key log"
got=$(ts "$f" -o "tls.keylog_file:$S/happy_https.sslkeylog" -Y http.request -T fields -e http.request.uri)
[ "$got" = "$expect" ] || fail "https: decrypted request URIs: $got"
out=$(ts "$f" -o "tls.keylog_file:$S/happy_https.sslkeylog" -z expert -q)
grep -qE '^(Errors|Warns) \(' <<<"$out" && fail "https: expert errors/warnings after decryption"
# the HTTPS-only variants (TLS 1.3 kept alive; TLS 1.2 CBC and TLS 1.3 ChaCha20, a connection per
# call, resumed): Wireshark decrypts the same six calls; resumed handshakes carry no certificate
for v in "happy_https13 0x1301 2" "happy_https_percall 0xc023 6" "happy_https13_percall 0x1303 6"; do
    set -- $v
    f=$S/$1.pcapng
    [ "$(ts "$f" -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.ciphersuite | sort -u)" = "$2" ] || fail "$1: cipher suite"
    [ "$(ts "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' | wc -l)" = "$3" ] || fail "$1: not $3 connections"
    got=$(ts "$f" -o "tls.keylog_file:$S/$1.sslkeylog" -Y http.request -T fields -e http.request.uri)
    [ "$got" = "$expect" ] || fail "$1: decrypted request URIs: $got"
    out=$(ts "$f" -o "tls.keylog_file:$S/$1.sslkeylog" -z expert -q)
    grep -qE '^(Errors|Warns) \(' <<<"$out" && fail "$1: expert errors/warnings after decryption"
done
[ "$(ts "$S/happy_https_percall.pcapng" -Y 'tls.handshake.type == 11' | wc -l)" = 2 ] || fail "https_percall: sessions not resumed"
[ "$(ts "$S/happy_https13_percall.pcapng" -Y 'tls.handshake.extensions.psk.identity.identity' | wc -l)" = 4 ] || fail "https13_percall: no PSK resumption"

# 5. the pcapng with three interfaces of three link types
f=$S/happy_multi.pcapng
[ "$(ts "$f" -T fields -e frame.interface_id | sort -u | tr '\n' ' ')" = "0 1 2 " ] || fail "multi: not 3 interfaces"
[ "$(ts "$f" -Y 'sll && udp.dstport == 4729 && gsm_sim' -T fields -e frame.interface_id | sort -u)" = "0" ] || fail "multi: GSMTAP over Linux cooked missing"
ts "$f" -T fields -e usbccid.bMessageType | grep -q 0x6f || fail "multi: usbmon CCID missing"
ts "$f" -Y 'eth && http' -T fields -e frame.number | grep -q . || fail "multi: Ethernet HTTP missing"

# 6. failure samples carry their failure
body() { ts "$1" -Y http.response -T fields -e http.file_data; }
body "$S/fail_matching_id.pcapng" | grep -q '"subjectCode":"8.2.6","reasonCode":"3.8"' || fail "fail_matching_id: no 8.2.6/3.8"
body "$S/fail_unknown_eum.pcapng" | grep -q '"subjectCode":"8.1.2","reasonCode":"6.1"' || fail "fail_unknown_eum: no 8.1.2/6.1"
body "$S/fail_expired_eum.pcapng" | grep -q '"subjectCode":"8.1.2","reasonCode":"6.3"' || fail "fail_expired_eum: no 8.1.2/6.3"
# the ASN.1 binding: A2 { BF3B (AuthenticateClientResponseEs9) { [1] authenticateClientError 6 } }
f=$S/fail_matching_id_asn1.pcap
[ "$(ts "$f" -Y 'http.response && http.content_type == "application/x-gsma-rsp-asn1" && frame contains a2:06:bf:3b:03:81:01:06' -T fields -e frame.number | wc -l)" -eq 1 ] || fail "fail_matching_id_asn1: no authenticateClientError matchingIdRefused(6)"
[ "$(ts "$f" -Y http.request -T fields -e http.request.uri | tr '\n' ' ')" = "/gsma/rsp2/asn1 /gsma/rsp2/asn1 " ] || fail "fail_matching_id_asn1: not two ASN.1 binding requests"
ts "$S/cancel_session.pcapng" -Y http.request -T fields -e http.request.uri | grep -q 'es9plus/cancelSession$' || fail "cancel_session: no ES9+ cancelSession"
ts "$S/truncated_mid_bpp.pcapng" -Y http.request -T fields -e http.request.uri | grep -q handleNotification && fail "truncated_mid_bpp: should end before handleNotification"
[ "$(ts "$S/truncated_mid_bpp.pcapng" -T fields -e frame.interface_id | tail -1)" = 0 ] || fail "truncated_mid_bpp: should end on the card interface"

echo "$((fails == 0 ? 1 : 0)) passed, $fails failed"
[ $fails -eq 0 ]
