#!/usr/bin/env bash
# esimscope trace over HTTPS (docs/tls.md): each HTTPS sample, decrypted with its TLS key log
# (--tls-keylog, $SSLKEYLOGFILE, or a pcapng Decryption Secrets Block written by Wireshark's own
# editcap), gives exactly the ES9+/ES11 messages, sessions, verdicts and decrypted BPP of its
# plaintext twin happy_http.pcap. Without the key: a finding per connection naming its SNI,
# client random and bytes, exit 1 when nothing else was found; a wrong key: an error finding,
# no garbage HTTP. Secrets never reach the output.
set -u
E=${ESIMSCOPE:?}
S=${ESIM_SOURCE_DIR:?}/samples
. "$(dirname "$0")/lib/check.bash"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# The decoded conversation without frame numbers and times: ES9+/ES11 messages, then sessions.
digest() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "es9p":
        print("es9p", e.get("iface"), e.get("function"), e["direction"], e.get("http_status"),
              e.get("transaction_id"), e.get("status"), e.get("summary"))
    elif e["event"] == "session":
        print("session", e["transaction_id"], e["verdict"], e.get("eid"), e.get("iccid"),
              e.get("matching_id"), e.get("profile_name"), e.get("bpp_len"),
              [(s.get("iface"), s.get("function"), s.get("detail")) for s in e["timeline"]
               if s.get("iface") in ("ES9+", "ES11", "BPP")])
    elif e["event"] == "finding":
        print("finding", e["severity"], e["text"])
' "$1"
}

"$E" trace --json --keylog "$S/happy_http.keylog" "$S/happy_http.pcap" >"$T/plain.json"
digest "$T/plain.json" >"$T/plain.txt"
grep -c '^es9p' "$T/plain.txt" | grep -qx 12 || { echo "FAIL: the plaintext twin has not 12 ES9+ messages"; exit 1; }

for f in happy_https13 happy_https_percall happy_https13_percall; do
    check "$f: decrypted" 0 "" "$E" trace --json --tls-keylog "$S/$f.sslkeylog" --keylog "$S/$f.keylog" "$S/$f.pcapng"
    cp "$T/out" "$T/$f.json"
    digest "$T/$f.json" >"$T/$f.txt"
    if cmp -s "$T/plain.txt" "$T/$f.txt"; then echo "ok: $f: same messages, sessions and BPP as happy_http.pcap"
    else echo "FAIL: $f differs from its plaintext twin:"; diff "$T/plain.txt" "$T/$f.txt" | head; fails=$((fails+1)); fi
    # the same key log through the environment
    SSLKEYLOGFILE="$S/$f.sslkeylog" "$E" trace --json --keylog "$S/$f.keylog" "$S/$f.pcapng" >"$T/env.json"
    digest "$T/env.json" | cmp -s - "$T/plain.txt" && echo "ok: $f: SSLKEYLOGFILE" || { echo "FAIL: $f: SSLKEYLOGFILE"; fails=$((fails+1)); }
done

# the capture carrying its own secrets, as editcap --inject-secrets writes them
if command -v editcap >/dev/null; then
    editcap --inject-secrets "tls,$S/happy_https13_percall.sslkeylog" "$S/happy_https13_percall.pcapng" "$T/dsb.pcapng"
    check "decryption secrets block" 0 "" "$E" trace --json --keylog "$S/happy_http.keylog" "$T/dsb.pcapng"
    digest "$T/out" | cmp -s - "$T/plain.txt" && echo "ok: DSB: same as the twin" || { echo "FAIL: DSB decode differs"; fails=$((fails+1)); }
else
    echo "skip: editcap absent (Decryption Secrets Block)"
fi

# the card + HTTPS sample: the ES9+ side now decodes too, and both BPP copies are compared
check "happy_https: both sides" 0 "ES9\+ and STORE DATA copies identical" \
    "$E" trace --tls-keylog "$S/happy_https.sslkeylog" --keylog "$S/happy_https.keylog" "$S/happy_https.pcapng"
"$E" trace --json --tls-keylog "$S/happy_https.sslkeylog" "$S/happy_https.pcapng" >"$T/https.json"
[ "$(digest "$T/https.json" | grep -c '^es9p')" = 12 ] && echo "ok: happy_https: 12 ES9+/ES11 messages" || { echo "FAIL: happy_https ES9+ count"; fails=$((fails+1)); }

# the decrypted messages carry the frame numbers Wireshark gives them (the frame in which the
# record holding the end of the message completed)
if command -v tshark >/dev/null; then
    for f in happy_https happy_https13 happy_https_percall happy_https13_percall; do
        want=$(tshark -r "$S/$f.pcapng" -o "tls.keylog_file:$S/$f.sslkeylog" -Y http -T fields -e frame.number 2>/dev/null | tr '\n' ' ')
        got=$("$E" trace --json --tls-keylog "$S/$f.sslkeylog" "$S/$f.pcapng" | python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["frame"]) for l in sys.stdin if "\"event\":\"es9p\"" in l), end=" ")')
        [ -n "$want" ] && [ "$got" = "$want" ] && echo "ok: $f: frame numbers as in tshark" || { echo "FAIL: $f: frames $got, tshark $want"; fails=$((fails+1)); }
    done
else
    echo "skip: tshark absent (frame numbers)"
fi

# no key: one warning per connection with SNI, client random (the one the key log would need)
# and bytes; with nothing else found the run fails
f=happy_https13
check "no key: exit 1" 1 "TLS connection to 198\.51\.100\.20:443 \(SNI smdpplus\.esimscope\.test\): [0-9]+ bytes not read \(no TLS 1\.3 traffic secrets" \
    env -u SSLKEYLOGFILE "$E" trace "$S/$f.pcapng"
grep -q "No RSP session" "$T/out" && echo "ok: no key: no session" || { echo "FAIL: no key: sessions found"; fails=$((fails+1)); }
for r in $(awk '{print $2}' "$S/$f.sslkeylog" | sort -u); do
    grep -qi "client random $r" "$T/out" || { echo "FAIL: no key: client random $r not reported"; fails=$((fails+1)); }
done
check "no key: JSON finding" 1 '"tls":\{"problem":"no_key","server":"203\.0\.113\.30","port":443,"sni":"smds\.esimscope\.test","client_random":"[0-9A-F]{64}","version":"TLS 1\.3","cipher_suite":"TLS_AES_128_GCM_SHA256","bytes":[1-9]' \
    env -u SSLKEYLOGFILE "$E" trace --json "$S/$f.pcapng"
[ "$(grep -c '"event":"finding"' "$T/out")" = 2 ] && echo "ok: no key: two connections reported" || { echo "FAIL: no key: finding count"; fails=$((fails+1)); }
# the card side still decodes: exit follows the sessions, the TLS warning is listed
check "no key, card side: exit 0" 0 "warning TLS connection to 198\.51\.100\.20:443 \(SNI smdpplus" \
    env -u SSLKEYLOGFILE "$E" trace "$S/happy_https.pcapng"

# a wrong key: the records do not authenticate; an error finding, never HTTP
sed -E 's/[0-9a-f]$/0/; s/0$/1/' "$S/happy_https_percall.sslkeylog" >"$T/wrong.sslkeylog"
cmp -s "$T/wrong.sslkeylog" "$S/happy_https_percall.sslkeylog" && { echo "FAIL: key log not altered"; fails=$((fails+1)); }
check "wrong key: exit 1" 1 "error +TLS connection to .*does not authenticate: wrong key in the TLS key log" \
    "$E" trace --tls-keylog "$T/wrong.sslkeylog" "$S/happy_https_percall.pcapng"
grep -q " 0 ES9+/ES11 messages" "$T/out" && echo "ok: wrong key: no HTTP passed on" || { echo "FAIL: wrong key: HTTP decoded"; fails=$((fails+1)); }
"$E" trace --json --tls-keylog "$T/wrong.sslkeylog" "$S/happy_https_percall.pcapng" | grep -q '"problem":"bad_key"' \
    && echo "ok: wrong key: bad_key in JSON" || { echo "FAIL: wrong key JSON"; fails=$((fails+1)); }

# secrets stay secret: no secret of the key log appears in any output, even with -v --show-keys
"$E" trace -v --json --show-keys --tls-keylog "$T/wrong.sslkeylog" "$S/happy_https_percall.pcapng" >"$T/all.out" 2>&1
"$E" trace -v --tls-keylog "$S/happy_https13.sslkeylog" "$S/happy_https13.pcapng" >>"$T/all.out" 2>&1
leaks=0
for s in $(awk '{print $3}' "$S/happy_https13.sslkeylog" "$T/wrong.sslkeylog"); do
    grep -qi "$s" "$T/all.out" && leaks=$((leaks+1))
done
[ $leaks = 0 ] && echo "ok: no secret printed" || { echo "FAIL: $leaks secrets printed"; fails=$((fails+1)); }

# key log files: a missing --tls-keylog is bad usage; a missing $SSLKEYLOGFILE only a note;
# malformed lines are counted, not echoed
check "missing --tls-keylog" 2 "TLS key log .*No such file" "$E" trace --tls-keylog "$T/absent" "$S/happy_https13.pcapng"
check "missing SSLKEYLOGFILE" 1 "SSLKEYLOGFILE ignored" env SSLKEYLOGFILE="$T/absent" "$E" trace "$S/happy_https13.pcapng"
printf 'CLIENT_RANDOM zz SECRETSECRET\n' >"$T/bad.sslkeylog"
check "malformed key log line" 1 "1 malformed lines ignored \(the first is line 1\)" "$E" trace --tls-keylog "$T/bad.sslkeylog" "$S/happy_https13.pcapng"
grep -q SECRETSECRET "$T/out" "$T/err" && { echo "FAIL: malformed line echoed"; fails=$((fails+1)); }

# a capture cut anywhere in the TLS conversation: no crash, a clean report
size=$(stat -c %s "$S/happy_https13.pcapng")
for cut in 300 1000 2500 4000 7000 12000 $((size / 2)) $((size - 100)); do
    head -c "$cut" "$S/happy_https13.pcapng" >"$T/cut.pcapng"
    "$E" trace --tls-keylog "$S/happy_https13.sslkeylog" "$T/cut.pcapng" >"$T/out" 2>&1
    rc=$?
    [ $rc -le 1 ] || { echo "FAIL: cut at $cut: exit $rc"; fails=$((fails+1)); }
done
echo "ok: cut captures"

[ $fails = 0 ] && echo "all TLS trace checks passed" || { echo "$fails TLS trace checks failed"; exit 1; }
