#!/bin/bash
# Golden outputs (tests/golden/README.md): the whole output of esimscope trace, trace --json and
# apdus on every committed sample capture must equal the checked-in files, byte for byte; any
# difference fails with a unified diff. After an intended change of the output, run
# scripts/regen-golden.sh and review `git diff tests/golden`.
# ESIM_GOLDEN_REGEN=1 rewrites the golden files instead (scripts/regen-golden.sh does that).
set -u
. "$(dirname "$0")/lib/golden.bash"
: "${ESIMSCOPE:?path of the built esimscope}" "${ESIM_SOURCE_DIR:?source tree}"
S=$ESIM_SOURCE_DIR/samples
G=$ESIM_SOURCE_DIR/tests/golden
[ -x "$ESIMSCOPE" ] || { echo "FAIL: $ESIMSCOPE is not an executable"; exit 1; }

if [ "${ESIM_GOLDEN_REGEN:-0}" = 1 ]; then
    golden_cli "$ESIMSCOPE" "$S" "$G"
    rm -rf "$ESIM_SOURCE_DIR/tests/golden-logs"
    golden_cli_logs "$ESIMSCOPE" "$S" "$ESIM_SOURCE_DIR/tests/golden-logs"
    echo "rewrote the CLI golden files of $(ls "$G" | grep -cv README) captures in $G"
    exit 0
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
golden_cli "$ESIMSCOPE" "$S" "$T/got"
fails=0
captures=0
for d in "$T"/got/*/; do
    name=$(basename "$d")
    captures=$((captures + 1))
    if [ ! -d "$G/$name" ]; then
        echo "FAIL: $name: no golden files in tests/golden/$name (new sample? run scripts/regen-golden.sh)"
        fails=$((fails + 1)); continue
    fi
    # every CLI output file, the stderr files included: present on one side only is a difference
    for f in $( (cd "$d" && ls; cd "$G/$name" && ls | grep -E '^(trace|apdus)\.[a-z]+\.stderr$') | sort -u); do
        if ! diff -u --label "tests/golden/$name/$f" --label "now/$name/$f" \
                "$G/$name/$f" "$d/$f" 2>/dev/null >"$T/diff"; then
            [ -f "$G/$name/$f" ] || echo "(tests/golden/$name/$f is missing)"
            [ -f "$d/$f" ] || echo "(the command wrote nothing to $f now)"
            echo "FAIL: $name/$f differs from the golden file:"
            head -n 200 "$T/diff"
            [ "$(wc -l <"$T/diff")" -le 200 ] || echo "... ($(wc -l <"$T/diff") diff lines in all)"
            fails=$((fails + 1))
        else
            echo "ok: $name/$f"
        fi
    done
done
# a golden folder whose capture is gone is stale
for d in "$G"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    [ -d "$T/got/$name" ] || { echo "FAIL: tests/golden/$name has no sample capture any more"; fails=$((fails + 1)); }
done
# the phone/LPA logs of samples/logs: tests/golden-logs/<log>/
GL=$ESIM_SOURCE_DIR/tests/golden-logs
golden_cli_logs "$ESIMSCOPE" "$S" "$T/logs"
logs=0
for d in "$T"/logs/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    logs=$((logs + 1))
    for f in $(cd "$d" && ls); do
        if ! diff -u --label "tests/golden-logs/$name/$f" --label "now/$name/$f" \
                "$GL/$name/$f" "$d/$f" >"$T/diff" 2>&1; then
            echo "FAIL: logs/$name/$f differs from the golden file (scripts/regen-golden.sh):"
            head -n 100 "$T/diff"
            fails=$((fails + 1))
        else
            echo "ok: logs/$name/$f"
        fi
    done
done
for d in "$GL"/*/; do
    [ -d "$d" ] || continue
    [ -d "$T/logs/$(basename "$d")" ] || { echo "FAIL: tests/golden-logs/$(basename "$d") has no log any more"; fails=$((fails + 1)); }
done
[ "$logs" -ge 12 ] || { echo "FAIL: only $logs sample logs in $S/logs"; fails=$((fails + 1)); }
[ "$captures" -ge 19 ] || { echo "FAIL: only $captures sample captures in $S (19 are committed)"; fails=$((fails + 1)); }
echo "$captures captures, $fails difference(s)"
[ "$fails" = 0 ]
