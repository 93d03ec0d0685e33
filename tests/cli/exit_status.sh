#!/bin/bash
# Exit statuses a script or CI gate relies on: a failed write of standard output is exit 2 (one
# line; quiet for a closed pipe), trace on input without eSIM traffic is exit 3, unreadable
# --cert/--ca and inputs of the wrong kind are input errors (exit 2) that say what they are.
set -u
S="$ESIM_SOURCE_DIR/samples"
GEN="$ESIM_BINARY_DIR/bench/bench_bpp"
[ -x "$GEN" ] || { echo "SKIP: $GEN not built"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$GEN" --emit "$T/fx" >/dev/null || { echo "FAIL: fixture generation"; exit 1; }
fails=0
. "$(dirname "$0")/lib/check.bash"
E="$ESIMSCOPE"
FX="$T/fx"

# --- standard output cannot be written ---
if [ -w /dev/full ]; then
    for cmd in "trace $S/happy_http.pcap" "apdus $S/happy_http.pcap" "decode $FX/ci.pem" \
               "bpp $FX/bpp.der --keylog $FX/session.keylog" "profile $ESIM_SOURCE_DIR/tests/data/saip_built.der" \
               "audit $ESIM_SOURCE_DIR/tests/data/audit_clean.der" "--help" "--version"; do
        # shellcheck disable=SC2086
        check "stdout /dev/full: ${cmd%% *}" 2 "writing standard output failed: No space left on device" \
            sh -c "exec \"$E\" $cmd > /dev/full"
        lines=$(wc -l < "$T/err")
        [ "$lines" = 1 ] && echo "ok: one stderr line (${cmd%% *})" || { echo "FAIL: ${cmd%% *}: $lines stderr lines"; fails=$((fails+1)); }
    done
else
    echo "note: no writable /dev/full, write-error checks skipped"
fi
# a closed pipe with SIGPIPE ignored (as under some CI runners): non-zero, no message
(trap '' PIPE; "$E" trace -v "$S/happy_multi.pcapng" 2>"$T/pipe.err" | true; echo "${PIPESTATUS[0]}" > "$T/pipe.rc")
rc=$(cat "$T/pipe.rc")
if [ "$rc" != 0 ] && [ ! -s "$T/pipe.err" ]; then echo "ok: closed pipe: exit $rc, quiet"
else echo "FAIL: closed pipe: exit $rc, stderr: $(head -c 200 "$T/pipe.err")"; fails=$((fails+1)); fi

# --- trace: no eSIM traffic at all is exit 3, documented ---
python3 - "$T" <<'EOF'
import struct, sys
d = sys.argv[1]
open(d + "/header_only.pcap", "wb").write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
idb = struct.pack("<IIHHI", 1, 20, 1, 0, 65535) + struct.pack("<I", 20)
open(d + "/idb_only.pcapng", "wb").write(shb + idb)
EOF
# a damaged copy of a download: every payload byte after the Ethernet/IPv4/TCP headers blanked
python3 - "$S/happy_http.pcap" "$T/damaged.pcap" <<'EOF'
import struct, sys
raw = open(sys.argv[1], "rb").read()
out, off = bytearray(raw[:24]), 24
while off + 16 <= len(raw):
    incl = struct.unpack("<I", raw[off + 8:off + 12])[0]
    rec = bytearray(raw[off:off + 16 + incl])
    for i in range(16 + 54, len(rec)):   # Ethernet 14 + IPv4 20 + TCP 20
        rec[i] = 0x20
    out += rec
    off += 16 + incl
open(sys.argv[2], "wb").write(out)
EOF
check "header-only pcap: exit 3" 3 "no eSIM traffic found" "$E" trace "$T/header_only.pcap"
check "pcapng with only an interface block: exit 3" 3 "no eSIM traffic found" "$E" trace "$T/idb_only.pcapng"
check "pcapng IDB only, --json: exit 3" 3 "no eSIM traffic found" "$E" trace --json "$T/idb_only.pcapng"
check "damaged copy of a download: exit 3" 3 "no eSIM traffic found" "$E" trace "$T/damaged.pcap"
check "trace --help documents exit 3" 0 "3 no eSIM traffic found" "$E" trace --help
check "a real download still exits 0" 0 "INSTALLED" "$E" trace "$S/happy_http.pcap"

# --- unreadable certificates are input errors with the OS reason ---
check "--cert missing" 2 "--cert: .*No such file or directory" \
    "$E" bpp "$FX/bpp.der" --keylog "$FX/session.keylog" --cert "$T/nope.pem"
check "--ca a directory" 2 "--ca: .*Is a directory" \
    "$E" bpp "$FX/bpp.der" --keylog "$FX/session.keylog" --cert "$FX/pb.pem" --ca "$T"
printf 'not a certificate\n' > "$T/junk.pem"
check "--cert not a certificate" 2 "--cert: " \
    "$E" bpp "$FX/bpp.der" --keylog "$FX/session.keylog" --cert "$T/junk.pem"

# --- inputs of the wrong kind say what they are ---
gzip -c "$S/happy_http.pcap" > "$T/capture.pcap.gz"
check "audit: text" 2 "not a profile package \(text" "$E" audit "$ESIM_SOURCE_DIR/README.md"
check "audit: text, no findings printed" 2 "" "$E" audit "$ESIM_SOURCE_DIR/README.md"
absent "audit: text gives no PE findings" "PE #0|tag number"
gzip -c "$ESIM_SOURCE_DIR/README.md" > "$T/text.gz"
check "audit: gzip that is no capture" 2 "not a profile package \(gzip" "$E" audit --keylog "$S/happy_http.keylog" "$T/text.gz"
check "audit: gzipped capture without a key log" 2 "capture needs --keylog" "$E" audit "$T/capture.pcap.gz"
check "audit: gzipped capture is audited as a capture" 0 "profile type \"esimscope sample profile\"" \
    "$E" audit --keylog "$S/happy_http.keylog" "$T/capture.pcap.gz"
check "audit: gzip on stdin" 2 "not a profile package \(gzip" sh -c "\"$E\" audit - < \"$T/capture.pcap.gz\""
check "audit: a UPP still passes" 0 "" "$E" audit "$ESIM_SOURCE_DIR/tests/data/audit_clean.der"
for cmd in decode bpp profile; do
    check "$cmd on a pcap names trace/apdus" 2 "a pcap capture, not a single RSP object: captures are read by 'esimscope trace'" \
        "$E" $cmd "$S/happy_http.pcap"
    check "$cmd on a pcapng" 2 "a pcapng capture" "$E" $cmd "$S/happy_multi.pcapng"
    check "$cmd on a gzipped capture" 2 "gzip-compressed data, .*esimscope trace" "$E" $cmd "$T/capture.pcap.gz"
done
check "decode on a capture from stdin" 2 "a pcap capture" sh -c "\"$E\" decode - < \"$S/happy_http.pcap\""

# --- every command's --help states its exit status ---
for cmd in trace apdus bpp decode profile audit; do
    check "$cmd --help: exit status" 0 "Exit status" "$E" $cmd --help
done

echo "$fails failures"
[ "$fails" = 0 ]
