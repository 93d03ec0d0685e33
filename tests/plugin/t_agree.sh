#!/bin/sh
# One core, two faces (issue 11): on every sample capture, esimscope trace --json and tshark with
# the plugin must tell the same story — the same sessions (transactionId, verdict, failing frame,
# side, step and code, EID, ICCID) and the same ES10 (and ES9+/ES11) functions at the same frames.
# tests/plugin/agree.py compares the two outputs and prints every disagreement; it does not
# apply any rule of its own. Both faces get the same inputs: the capture and its eSIM key log
# (no TLS key log: esimscope does not read one).
. "$(dirname "$0")/lib.sh"
require_plugin
command -v python3 >/dev/null || { echo "FAIL: python3 missing (needed to compare)"; exit 1; }
esimscope=${ESIM_BUILD_DIR:-}/analyzer/esimscope
[ -x "$esimscope" ] || { echo "FAIL: esimscope not built in ESIM_BUILD_DIR (${ESIM_BUILD_DIR:-unset})"; exit 1; }
agree=$(dirname "$0")/agree.py

# agree_on CAPTURE [KEYLOG]: both faces on CAPTURE, compared
agree_on() {
    c=$1; k=${2:-}; name=$(basename "$c")
    tk=${c%.*}.sslkeylog
    set --
    [ -n "$k" ] && set -- "$@" --keylog "$k"
    [ -f "$tk" ] && set -- "$@" --tls-keylog "$tk"
    "$esimscope" trace --json --no-progress "$@" "$c" >"$T/cli.jsonl" 2>"$T/cli.err"
    rc=$?
    set --
    [ -n "$k" ] && set -- "$@" -o "esim.keylog_file:$k"
    [ -f "$tk" ] && set -- "$@" -o "tls.keylog_file:$tk"
    # exit 3 (no eSIM traffic) is a verdict too: the plugin must then show none either
    if [ "$rc" = 3 ] && grep -q "no eSIM traffic found" "$T/cli.err"; then
        : # said on stderr: nothing judged; the plugin must then show no session either
    elif [ "$rc" = 2 ] || [ "$rc" -gt 3 ] || [ -s "$T/cli.err" ]; then
        fail "$name: esimscope trace --json: exit $rc: $(head -5 "$T/cli.err")"
        return
    fi
    ts -2 -q -r "$c" "$@" -z esim,sessions >"$T/tap.txt"
    ts -2 -r "$c" "$@" -Y 'esim.es10.command || esim.es9p.function' -T fields -E occurrence=a \
        -E 'aggregator=;' -e frame.number -e esim.es10.command -e esim.es10.direction \
        -e esim.es9p.function >"$T/fields.tsv"
    if python3 "$agree" "$name" "$T/cli.jsonl" "$T/tap.txt" "$T/fields.tsv"; then
        ok "$name: esimscope and the plugin agree"
    else
        fail "$name: esimscope and the plugin disagree (above)"
    fi
}

# the comparer itself: agreeing outputs pass, one frame apart fails and says where
printf '%s\n' '{"event":"es10","frame":5,"function":"GetEuiccInfo1"}' \
    '{"event":"session","transaction_id":"0a0b","verdict":"installed","iccid":"8999"}' >"$T/self.jsonl"
printf 'session 1  transactionId 0A0B  verdict installed\n  ICCID 8999\n' >"$T/self.tap"
printf '5\tGetEuiccInfo1\tcommand\t\n' >"$T/self.tsv"
check "agree.py: the same story agrees" python3 "$agree" self "$T/self.jsonl" "$T/self.tap" "$T/self.tsv"
printf '6\tGetEuiccInfo1\tcommand\t\n' >"$T/self.tsv"
check "agree.py: a frame apart disagrees, with both frames" \
    sh -c 'out=$(python3 "$1" self "$2" "$3" "$4"); [ $? = 1 ] && printf "%s\n" "$out" | grep -q "GetEuiccInfo1: esimscope frame 5, plugin frame 6"' \
    _ "$agree" "$T/self.jsonl" "$T/self.tap" "$T/self.tsv"

n=0
for c in "$S"/*.pcap "$S"/*.pcapng; do
    [ -f "$c" ] || continue
    n=$((n + 1))
    k=${c%.*}.keylog
    [ -f "$k" ] || k=
    agree_on "$c" "$k"
done
check "all committed sample captures compared ($n)" test "$n" -ge 27

# the captures the other plugin tests generated (kept by lib.sh when scripts/test-plugin.sh runs
# them first, with ESIM_KEEP_CAPTURES), with no key log
g=0
if [ -n "${ESIM_KEEP_CAPTURES:-}" ]; then
    mkdir -p "$S/generated"
    for c in "$ESIM_KEEP_CAPTURES"/*.pcap "$ESIM_KEEP_CAPTURES"/*.pcapng; do
        [ -f "$c" ] || continue
        cp "$c" "$S/generated/" && chmod a+r "$S/generated/$(basename "$c")"
        g=$((g + 1))
        agree_on "$S/generated/$(basename "$c")"
    done
    echo "$g generated capture(s) of the other plugin tests compared"
else
    echo "note: no generated captures compared (scripts/test-plugin.sh passes them in ESIM_KEEP_CAPTURES)"
fi
finish
