#!/bin/sh
# Golden outputs (tests/golden/README.md): tshark with the plugin on every committed sample
# capture — the eSIM frames with the eSIM tree in full (-Y esim -O esim) and -z esim,sessions —
# must equal the checked-in files byte for byte; any difference fails with a unified diff.
# ESIM_GOLDEN_REGEN=1 rewrites them instead (scripts/regen-golden.sh does that).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/golden_tshark.sh"
require_plugin
G=$ESIM_SOURCE_DIR/tests/golden

if [ "${ESIM_GOLDEN_REGEN:-0}" = 1 ]; then
    golden_tshark "$G"
    if [ -s "$T/stderr" ]; then echo "FAIL: tshark wrote to stderr:"; cat "$T/stderr"; exit 1; fi
    echo "rewrote the tshark golden files in $G"
    exit 0
fi

mkdir -p "$T/got"
golden_tshark "$T/got"
n=0
for d in "$T"/got/*/; do
    name=$(basename "$d")
    n=$((n + 1))
    for f in tshark-V.txt tshark-sessions.txt; do
        if [ ! -f "$G/$name/$f" ]; then
            fail "$name/$f: no golden file (new sample? run scripts/regen-golden.sh)"
        elif diff -u --label "tests/golden/$name/$f" --label "now/$name/$f" "$G/$name/$f" "$d/$f" >"$T/diff"; then
            ok "$name/$f"
        else
            fail "$name/$f differs from the golden file:"
            head -n 200 "$T/diff"
            [ "$(wc -l <"$T/diff")" -le 200 ] || echo "... ($(wc -l <"$T/diff") diff lines in all)"
        fi
    done
done
for d in "$G"/*/; do
    [ -d "$d" ] || continue
    [ -d "$T/got/$(basename "$d")" ] || fail "tests/golden/$(basename "$d") has no sample capture any more"
done
check "all 19 committed sample captures compared (found $n)" test "$n" -ge 19
check "tshark wrote nothing to stderr" test ! -s "$T/stderr"
[ -s "$T/stderr" ] && cat "$T/stderr"
finish
