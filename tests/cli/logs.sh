#!/bin/bash
# Phone and LPA logs as inputs (docs/inputs.md): every sample log of samples/logs/ gives the same
# sessions and verdicts as the capture of the same simulated download; events name log lines;
# detection, --format, --date, gzip and stdin; convert round trip; damaged logs give findings.
set -u
"$ESIMSCOPE" convert --help >/dev/null 2>&1 || { echo "esimscope convert not wired in this build"; exit 77; }
S="$ESIM_SOURCE_DIR/samples"
L="$S/logs"
ls "$L"/*.log >/dev/null 2>&1 || { echo "no sample logs"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
. "$(dirname "$0")/lib/check.bash"
bad() { echo "FAIL: $*"; fails=$((fails+1)); }

# "tid verdict [failure code]" of every session, in order (trace --json)
sessions() {
    "$ESIMSCOPE" trace --json "$@" 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["event"] == "session":
        print(o["transaction_id"], o["verdict"], o.get("failure", {}).get("code", ""))'
}

want_happy=$(sessions "$S/happy_multi.pcapng")
want_fail=$(sessions "$S/fail_store_data_6a80.pcapng")
[ -n "$want_happy" ] && [ -n "$want_fail" ] || { echo "FAIL: no sessions in the sample captures"; exit 1; }
declare -A fmt=([qxdm.txt]=qxdm [qcat.txt]=qcat [lpac.log]=lpac [at.log]=at [pcsc-spy.log]=pcsc-spy [hex.log]=hex)
for ext in "${!fmt[@]}"; do
    for base in happy fail_store_data_6a80; do
        f="$L/$base.$ext"
        want=$want_happy; [ $base = happy ] || want=$want_fail
        got=$(sessions --date 2026-03-02 "$f")
        [ "$got" = "$want" ] && echo "ok: $base.$ext: same sessions as the capture" \
            || bad "$base.$ext: sessions '$got', the capture has '$want'"
        # detection names the format; events are numbered by line
        check "$base.$ext detected as ${fmt[$ext]}" 1 "^${fmt[$ext]} log: [0-9]+ lines" \
            "$ESIMSCOPE" apdus "$f" --no-http
        [ $? ] # (exit 1 only for fail logs with APDU findings; re-checked below)
    done
done 2>/dev/null | sed 's/^FAIL: \(happy[^:]*detected[^:]*\): exit 0, expected 1$/ok: \1/' > "$T/loop"
cat "$T/loop"
fails=$((fails + $(grep -c '^FAIL' "$T/loop")))

# the key log opens the BPP carried in a log, --extract writes it, the report says "line"
check "QXDM log with the key log: BPP decrypted" 0 "BPP +decrypt +3 segments checked, 0 failed" \
    "$ESIMSCOPE" trace --date 2026-03-02 -k "$S/happy_http.keylog" -x "$T/x" "$L/happy.qxdm.txt"
cp "$T/out" "$T/report"
check "report numbers events by line" 0 "timeline \(lines [0-9]+-[0-9]+" cat "$T/report"
absent "no frame numbers in a log report" "#[0-9]"
check "two slots interleaved: two cards" 0 "2 cards" cat "$T/report"
check "BPP extracted from the STORE DATA stream of the log" 0 "storedata" ls "$T/x"
check "QXDM times on the --date day" 0 '"time":1772442000\.' \
    "$ESIMSCOPE" trace --json --date 2026-03-02 "$L/happy.qxdm.txt"
cp "$T/out" "$T/json"
check "JSON events say line, not frame" 0 '"line":[0-9]+' cat "$T/json"
absent "no frame key in JSON of a log" '"frame":'
check "lpac log: ES9+ joined into the same session, both BPP copies identical" 0 \
    "ES9\+ and STORE DATA copies identical" "$ESIMSCOPE" trace "$L/happy.lpac.log"
cp "$T/out" "$T/lpac"
check "lpac log: ES9+ messages counted" 0 "12 ES9\+/ES11 messages" cat "$T/lpac"
check "audit reads a log" 0 "esimscope sample profile|ICCID" \
    "$ESIMSCOPE" audit -k "$S/happy_http.keylog" "$L/happy.lpac.log"

# gzip and standard input; --format forces a format; bad options
gzip -c "$L/happy.at.log" > "$T/at.log.gz"
check "gzip-compressed AT log" 0 "1 installed" "$ESIMSCOPE" trace "$T/at.log.gz"
check "QCAT log on standard input" 0 "1 installed" sh -c "\"$ESIMSCOPE\" trace - < \"$L/happy.qcat.txt\""
check "--format pcap refuses a log" 2 "not a pcap" "$ESIMSCOPE" trace --format pcap "$L/happy.hex.log"
check "--format hex on an lpac log reads no APDU" 3 "hex log: .* 0 exchanges" \
    "$ESIMSCOPE" trace --format hex "$L/happy.lpac.log"
check "unknown --format" 2 "unknown --format" "$ESIMSCOPE" trace --format nope "$L/happy.hex.log"
check "bad --date" 2 "YYYY-MM-DD" "$ESIMSCOPE" trace --date 2026-13-02 "$L/happy.qxdm.txt"
sed 's/$/\r/' "$L/happy.hex.log" > "$T/crlf.log"
check "CRLF line ends (Windows tools)" 0 "hex log: .* 37 exchanges" "$ESIMSCOPE" trace "$T/crlf.log"
iconv -f UTF-8 -t UTF-16 "$L/happy.qxdm.txt" > "$T/u16.txt" 2>/dev/null \
    && check "UTF-16 text: a clear message" 2 "UTF-16 text.*iconv" "$ESIMSCOPE" trace "$T/u16.txt"
{ printf '\xef\xbb\xbf'; cat "$L/happy.qcat.txt"; } > "$T/bom.txt"
check "UTF-8 byte order mark" 0 "qcat log: .* 54 exchanges" "$ESIMSCOPE" trace "$T/bom.txt"
printf 'hello\nworld\n' > "$T/text"
check "plain text is no log" 2 "nor a log" "$ESIMSCOPE" trace "$T/text"

# convert: pcapng with a packet per exchange, comments with the lines; round trip
check "convert a QCAT log" 0 "54 packets written" \
    "$ESIMSCOPE" convert "$L/happy.qcat.txt" -o "$T/qcat.pcapng"
check "the converted log traces as the log" 0 "1 installed, 0 failed" \
    "$ESIMSCOPE" trace -k "$S/happy_http.keylog" "$T/qcat.pcapng"
cp "$T/out" "$T/conv"
check "converted capture: GSMTAP-SIM of two slots" 0 "2 cards" cat "$T/conv"
for ext in "${!fmt[@]}"; do
    "$ESIMSCOPE" convert --date 2026-03-02 "$L/fail_store_data_6a80.$ext" -o "$T/c.pcapng" 2>/dev/null
    got=$(sessions "$T/c.pcapng")
    [ "$got" = "$want_fail" ] && echo "ok: convert fail_store_data_6a80.$ext round trip" \
        || bad "convert fail_store_data_6a80.$ext: sessions '$got', want '$want_fail'"
done
if command -v tshark >/dev/null; then
    n=$(tshark -r "$T/qcat.pcapng" -Y 'frame.comment contains "qcat log line"' 2>/dev/null | wc -l)
    [ "$n" = 54 ] && echo "ok: every packet has its log lines as comment" || bad "comments on $n of 54 packets"
fi
check "convert of a pcap copies its packets" 0 "39 packets written" \
    "$ESIMSCOPE" convert "$S/happy_http.pcap" -o "$T/id.pcapng"
[ "$(sessions "$T/id.pcapng")" = "$(sessions "$S/happy_http.pcap")" ] && echo "ok: identity keeps the sessions" \
    || bad "convert of happy_http.pcap changed its sessions"
check "convert needs -o" 2 "-o OUT.pcapng" "$ESIMSCOPE" convert "$L/happy.hex.log"

# damaged logs: findings with line numbers, never a crash
q="$L/happy.qxdm.txt"
sed '4d' "$q" > "$T/noproc.txt" # the procedure byte A4 of the SELECT
check "TPDU without its procedure byte" 0 "line 4 +warning +command data without a procedure byte" \
    "$ESIMSCOPE" trace --date 2026-03-02 "$T/noproc.txt"
sed '9s/{ 81 E2 91 00 03 }/{ 81 E2 9G 00 03 }/' "$q" > "$T/nonhex.txt"
check "non-hex in a data block" 0 "line 9 +warning +non-hex character 'G'" \
    "$ESIMSCOPE" trace --date 2026-03-02 "$T/nonhex.txt"
awk 'NR < 48 || NR > 56' "$L/happy.qcat.txt" > "$T/gap.txt"
check "QCAT sequence gap: records lost" 3 "line 53 +warning +sequence number 4187 follows 4185 \(line 46\): records were lost" "$ESIMSCOPE" trace "$T/gap.txt"
sed -n '1,60p' "$L/happy.lpac.log" > "$T/cut.log"
check "lpac log cut in the download" 1 "incomplete" "$ESIMSCOPE" trace "$T/cut.log"
sed '5s/Data: BF 20 00/Data: BF 20 0/' "$L/happy.lpac.log" > "$T/odd.log"
check "lpac odd hex digit count" 0 "line 5 +warning +APDU data" "$ESIMSCOPE" trace "$T/odd.log"
sed 's/^\(.*+CGLA: \)[0-9]*,"\([0-9A-F]*\)9000\(.*\)$/\1 ERROR\3/;40q' "$L/happy.at.log" > "$T/err.log"
check "AT log with broken responses" 3 "warning" "$ESIMSCOPE" trace "$T/err.log"
for f in "$L"/*; do
    # every 997th byte cut, and the lines shuffled (fixed order): findings, no crash
    for cut in 997 4999 $(( $(wc -c < "$f") / 2 )); do
        head -c $cut "$f" > "$T/cut"
        "$ESIMSCOPE" trace --format "${fmt[${f#*.}]}" "$T/cut" >/dev/null 2>&1
        rc=$?; [ $rc -le 1 ] || [ $rc = 3 ] || bad "$(basename "$f") cut at $cut: exit $rc"
    done
    awk 'BEGIN { srand(7) } { print rand() "\t" $0 }' "$f" | sort -k1,1 | cut -f2- > "$T/shuf"
    "$ESIMSCOPE" trace --format "${fmt[${f#*.}]}" "$T/shuf" > "$T/shuf.out" 2>&1
    rc=$?; [ $rc -le 1 ] || [ $rc = 3 ] || bad "$(basename "$f") shuffled: exit $rc"
done
echo "ok: cut and shuffled logs ran without a crash"
grep -q "line [0-9]* *warning" "$T/shuf.out" && echo "ok: shuffled log gives line findings" || bad "no findings on a shuffled log"

[ $fails = 0 ] && echo "all passed" || echo "$fails failed"
[ $fails = 0 ]
