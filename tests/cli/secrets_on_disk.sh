#!/bin/bash
# Files with plaintext key material: `bpp -o` writes the decrypted profile (Ki/OPc, PINs) with
# mode 0600 whatever the umask, replaces an existing file atomically (a new inode, no loose mode
# kept, no temporary left), and `-o -` keeps standard output for the profile alone.
set -u
GEN="$ESIM_BINARY_DIR/bench/bench_bpp"
[ -x "$GEN" ] || { echo "SKIP: $GEN not built"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$GEN" --emit "$T/fx" >/dev/null || { echo "FAIL: fixture generation"; exit 1; }
cd "$T/fx"
fails=0
. "$(dirname "$0")/lib/check.bash"
E="$ESIMSCOPE"
mode() { stat -c %a "$1"; }
want_mode() { # name file mode
    if [ "$(mode "$2")" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: mode $(mode "$2"), expected $3"; fails=$((fails+1)); fi
}

# a new file under a permissive umask
check "new UPP written" 0 "Result: verified" sh -c "umask 000; exec \"$E\" bpp bpp.der --keylog session.keylog -o \"$T/new.upp\""
want_mode "new UPP is 0600 under umask 000" "$T/new.upp" 600
cmp -s "$T/new.upp" upp.der || { echo "FAIL: new UPP differs"; fails=$((fails+1)); }

# an existing world-readable file: replaced (new inode), mode 0600, content new
printf 'old contents\n' > "$T/old.upp"
chmod 644 "$T/old.upp"
ln "$T/old.upp" "$T/old.link" # a second name for the old inode: must keep the old contents
check "existing UPP replaced" 0 "Result: verified" "$E" bpp bpp.der --keylog session.keylog -o "$T/old.upp"
want_mode "replaced UPP is 0600" "$T/old.upp" 600
cmp -s "$T/old.upp" upp.der || { echo "FAIL: replaced UPP differs"; fails=$((fails+1)); }
if grep -q "old contents" "$T/old.link"; then echo "ok: replaced by rename (old inode untouched)"
else echo "FAIL: the old file was rewritten in place"; fails=$((fails+1)); fi
left=$(find "$T" -name '*.tmp-*' | wc -l)
[ "$left" = 0 ] && echo "ok: no temporary file left" || { echo "FAIL: $left temporary files left"; fails=$((fails+1)); }

# a target that cannot be written: exit 2 with the OS reason, nothing left behind
mkdir "$T/adir"
check "-o a directory" 2 "cannot write .*adir: Is a directory" "$E" bpp bpp.der --keylog session.keylog -o "$T/adir"
check "-o in a missing folder" 2 "No such file or directory" "$E" bpp bpp.der --keylog session.keylog -o "$T/missing/x.upp"
# a failed verification writes nothing, and leaves an existing file alone
cp "$T/old.link" "$T/keep.upp"
check "wrong keys: no UPP" 1 "no UPP written" "$E" bpp bpp.der --keylog wrong.keylog -o "$T/keep.upp"
grep -q "old contents" "$T/keep.upp" && echo "ok: existing file kept on failure" || { echo "FAIL: file changed on failure"; fails=$((fails+1)); }

# -o -: the profile alone on stdout, the report on stderr, so it pipes into `profile -`
"$E" bpp bpp.der --keylog session.keylog -o - > "$T/stdout.upp" 2> "$T/report.txt"; rc=$?
[ "$rc" = 0 ] && echo "ok: -o - exit 0" || { echo "FAIL: -o - exit $rc"; fails=$((fails+1)); }
cmp -s "$T/stdout.upp" upp.der && echo "ok: -o -: stdout is exactly the UPP" || { echo "FAIL: -o -: stdout is not the UPP"; fails=$((fails+1)); }
grep -q "Result: verified" "$T/report.txt" && echo "ok: -o -: report on stderr" || { echo "FAIL: -o -: no report on stderr"; fails=$((fails+1)); }
# the sample download's BPP (a real SAIP profile inside), extracted by trace
S="$ESIM_SOURCE_DIR/samples"
"$E" trace --extract "$T/x" "$S/happy_http.pcap" >/dev/null 2>&1
check "bpp -o - | profile -" 0 "iccid: 89990000000000012340" \
    sh -c "\"$E\" bpp \"$T\"/x/*-es9p.bpp --keylog \"$S/happy_http.keylog\" -o - 2>/dev/null | \"$E\" profile -"
check "bpp --json -o -: JSON report on stderr" 0 "" sh -c "\"$E\" bpp bpp.der --json --keylog session.keylog -o - 2>\"$T/r.json\" | cmp -s - upp.der"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verified"] is True' "$T/r.json" \
    && echo "ok: JSON report on stderr parses" || { echo "FAIL: JSON report on stderr"; fails=$((fails+1)); }

echo "$fails failures"
[ "$fails" = 0 ]
