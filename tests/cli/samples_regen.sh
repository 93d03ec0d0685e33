#!/usr/bin/env bash
# esim-samplegen rebuilds the committed samples bit for bit from --seed 1 (all but the HTTPS one,
# whose TLS randoms come from OpenSSL: docs/samples.md), the generator's own self-checks pass (signatures verify,
# the PKI chains, every BPP opens with the core BPP reader), and esimscope reads the samples back:
# the APDU layer finds every ES10 command of the download with no warning, and `esimscope bpp`
# MAC-checks and decrypts every BPP with the sample's key log (and checks smdpSign + DPpb chain).
set -u
GEN=${ESIM_BINARY_DIR:?}/samples/esim-samplegen
[ -x "$GEN" ] || { echo "FAIL: $GEN not built (the build makes it)"; exit 1; }
S=${ESIM_SOURCE_DIR:?}/samples
E=${ESIMSCOPE:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. determinism
"$GEN" --seed 1 --out "$tmp/s1" || fail "esim-samplegen --seed 1 failed"
n=0
for f in $(cd "$S" && ls *.pcap *.pcapng *.keylog; cd "$S" && find pki logs -type f); do
    case $f in happy_https*.pcapng | happy_https*.sslkeylog) continue ;; esac # TLS randoms
    n=$((n + 1))
    cmp -s "$S/$f" "$tmp/s1/$f" || fail "$f differs from a fresh --seed 1 run"
done
[ $n -ge 60 ] || fail "only $n files compared"
[ -f "$tmp/s1/happy_https.pcapng" ] || fail "happy_https.pcapng not written"
grep -q '^PPK ' "$S/happy_ppk_http.keylog" || fail "happy_ppk_http.keylog has no PPK line"
# another seed gives other keys
"$GEN" --seed 2 --out "$tmp/s2" || fail "esim-samplegen --seed 2 failed"
cmp -s "$tmp/s1/pki/nist/CERT_EUICC.der" "$tmp/s2/pki/nist/CERT_EUICC.der" && fail "seed 2 gave the same eUICC certificate"
cmp -s "$tmp/s1/happy_http.pcap" "$tmp/s2/happy_http.pcap" && fail "seed 2 gave the same capture"
# the PKI as OpenSSL's command line sees it
for c in nist brp; do
    P=$S/pki/$c
    openssl verify -no_check_time -x509_strict -CAfile "$P/CERT_CI.pem" -untrusted "$P/CERT_EUM.pem" "$P/CERT_EUICC.pem" >/dev/null || fail "$c: eUICC chain"
    for leaf in DPauth DPpb DPtls DSauth; do
        openssl verify -no_check_time -x509_strict -CAfile "$P/CERT_CI.pem" "$P/CERT_$leaf.pem" >/dev/null || fail "$c: $leaf chain"
    done
    openssl verify -no_check_time -CAfile "$P/CERT_CI.pem" "$P/CERT_rogue_EUM.pem" >/dev/null 2>&1 && fail "$c: rogue EUM verifies"
    # the expired EUM chains the eUICC by signature, but not on the captures' date (2026-03-02)
    openssl verify -no_check_time -x509_strict -CAfile "$P/CERT_CI.pem" -untrusted "$P/CERT_expired_EUM.pem" "$P/CERT_EUICC.pem" >/dev/null || fail "$c: expired EUM does not chain"
    openssl verify -attime 1772442000 -CAfile "$P/CERT_CI.pem" -untrusted "$P/CERT_EUM.pem" "$P/CERT_EUICC.pem" >/dev/null || fail "$c: eUICC chain at the capture date"
    openssl verify -attime 1772442000 -CAfile "$P/CERT_CI.pem" -untrusted "$P/CERT_expired_EUM.pem" "$P/CERT_EUICC.pem" 2>&1 | grep -q 'certificate has expired' || fail "$c: expired EUM valid at the capture date"
    openssl x509 -in "$P/CERT_EUICC.pem" -noout -subject | grep -q 'serialNumber = 89' || fail "$c: eUICC subject has no EID"
    openssl x509 -in "$P/CERT_DPauth.pem" -noout -text | grep -q '2.23.146.1.2.1.4' || fail "$c: DPauth policy"
done

# 2. the APDU layer reads every card capture back
es10_of() { "$E" apdus --no-http "$1" | grep -o 'ES10 BF[0-9A-F][0-9A-F]' | awk '{print $2}' | tr '\n' ' '; }
happy="BF20 BF2E BF38 BF2E BF38 BF21 BF36 BF28 BF30 BF31 "
for f in happy_simtrace_gsmtap.pcap happy_usbmon_t0.pcap happy_usbmon_t1.pcap happy_usbpcap.pcap happy_brainpool_multi.pcapng happy_https.pcapng; do
    [ "$(es10_of "$S/$f")" = "$happy" ] || fail "$f: ES10 commands: $(es10_of "$S/$f")"
    "$E" apdus "$S/$f" | tail -1 | grep -q ' 0 warnings; 0 findings' || fail "$f: warnings or findings"
done
"$E" apdus "$S/happy_multi.pcapng" | tail -1 | grep -q '2 cards; 0 warnings; 0 findings' || fail "happy_multi: expected 2 card views, no finding"
"$E" apdus "$S/fail_store_data_6a80.pcapng" | grep -q '6A80' || fail "fail_store_data_6a80: no 6A80"
"$E" apdus "$S/truncated_mid_bpp.pcapng" | grep -qi 'capture ends inside a STORE DATA chain' || fail "truncated_mid_bpp: no unfinished chain reported"
# the eUICC answers the damaged segment with its ProfileInstallationResult (BF37) in the response data
"$E" apdus --hex --no-http "$S/fail_bpp_mac.pcapng" | grep -Eq '^ +rsp BF37' || fail "fail_bpp_mac: no ProfileInstallationResult (BF37) answered"
[ "$(es10_of "$S/cancel_session.pcapng")" = "BF20 BF2E BF38 BF41 " ] || fail "cancel_session: ES10 commands: $(es10_of "$S/cancel_session.pcapng")"

# every ES10 command and response of a download decodes as its SGP.22 type with the asn1c types
# (esimscope decode picks the type that decodes the whole TLV and re-encodes to the same bytes)
types_of() {
    "$E" apdus --hex --no-http "$1" |
        awk '/ ES10 / {ev = 1; next} $1 !~ /^(cmd|rsp)$/ {ev = 0; next} ev && $2 ~ /^BF[2-4]/ {print $2}' |
        while read -r hex; do
            [ "${hex:0:4}" = BF36 ] && continue   # only the head of the BPP travels in this piece
            printf '%s' "$hex" > "$tmp/m.hex"
            "$E" decode --in hex "$tmp/m.hex" 2>/dev/null | head -1
        done | tr '\n' ' '
}
want="GetEuiccInfo1Request EUICCInfo1 GetEuiccChallengeRequest GetEuiccChallengeResponse AuthenticateServerRequest AuthenticateServerResponse GetEuiccChallengeRequest GetEuiccChallengeResponse AuthenticateServerRequest AuthenticateServerResponse PrepareDownloadRequest PrepareDownloadResponse ProfileInstallationResult ListNotificationRequest ListNotificationResponse NotificationSentRequest NotificationSentRequest EnableProfileRequest EnableProfileResponse "
# (NotificationSentResponse {ok} has the same bytes as NotificationSentRequest {seqNumber 0})
for f in happy_usbmon_t0.pcap happy_usbmon_t1.pcap; do
    got=$(types_of "$S/$f")
    [ "$got" = "$want" ] || fail "$f: ES10 types: $got"
done
got=$(types_of "$S/cancel_session.pcapng")
[ "$got" = "GetEuiccInfo1Request EUICCInfo1 GetEuiccChallengeRequest GetEuiccChallengeResponse AuthenticateServerRequest AuthenticateServerResponse CancelSessionRequest CancelSessionResponse " ] || fail "cancel_session: ES10 types: $got"

# 3. every BPP opens with its key log
"$E" bpp --help 2>&1 | grep -q -- '--keylog' || fail "esimscope bpp --help: no --keylog option"
bpps=0
for f in "$S"/*.pcap "$S"/*.pcapng; do
    name=$(basename "${f%.*}")
    tlskeys=()
    [ -f "$S/$name.sslkeylog" ] && tlskeys=(-o "tls.keylog_file:$S/$name.sslkeylog")
    b64=$(tshark "${tlskeys[@]}" -r "$f" -Y http.response -T fields -e http.file_data 2>/dev/null |
          grep -o '"boundProfilePackage":"[^"]*"' | cut -d'"' -f4)
    [ -n "$b64" ] || continue
    bpps=$((bpps + 1))
    printf '%s' "$b64" > "$tmp/$name.b64"
    c=nist; case $name in *brainpool*) c=brp ;; esac
    out=$("$E" bpp --in base64 --keylog "$S/$name.keylog" --cert "$S/pki/$c/CERT_DPpb.pem" \
          --ca "$S/pki/$c/CERT_CI.pem" "$tmp/$name.b64" 2>&1); rc=$?
    case $name in
    fail_bpp_mac) [ $rc -eq 1 ] && grep -qi 'mac' <<<"$out" || fail "$name: the damaged segment was not reported (rc $rc)" ;;
    *) [ $rc -eq 0 ] && grep -q 'Result: verified' <<<"$out" || { fail "$name: BPP not verified (rc $rc)"; echo "$out" | tail -5; } ;;
    esac
done
[ $bpps -ge 9 ] || fail "only $bpps BPPs found in the samples"

echo "$((fails == 0 ? 1 : 0)) passed, $fails failed"
[ $fails -eq 0 ]
