# Shared by the CLI test scripts (tests/cli/*.sh; this folder is not registered as a test).
# The script sets T (a scratch directory) and fails=0 before using these.

# check NAME EXPECTED_RC PATTERN -- command...: runs the command (stdout to $T/out, stderr to
# $T/err), wants its exit status and, unless PATTERN is empty, an ERE match in either output.
check() {
    local name=$1 want=$2 pat=$3; shift 3
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $name: exit $rc, expected $want"; tail -n 20 "$T/out" "$T/err" | sed 's/^/    /'
        fails=$((fails+1)); return
    fi
    if [ -n "$pat" ] && ! grep -Eq -- "$pat" "$T/out" "$T/err"; then
        echo "FAIL: $name: output lacks /$pat/"; tail -n 20 "$T/out" "$T/err" | sed 's/^/    /'
        fails=$((fails+1)); return
    fi
    echo "ok: $name"
}

# absent NAME PATTERN: the last check's standard output must not contain PATTERN.
absent() {
    if grep -Eq -- "$2" "$T/out"; then echo "FAIL: $1: /$2/ printed"; fails=$((fails+1)); else echo "ok: $1"; fi
}
