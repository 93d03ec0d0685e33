#!/bin/bash
# Bounded input and honest messages: decode stops at 64 MiB while reading; a gzip bomb of empty
# frames ends as damage with capped diagnostics; trace and apdus agree on a broken record; OS
# reasons in messages; trace -x says when it creates its folder.
set -u
S="$ESIM_SOURCE_DIR/samples"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
. "$(dirname "$0")/lib/check.bash"
E="$ESIMSCOPE"

# decode: the 64 MiB limit applies while reading (an endless input stops)
check "decode /dev/zero stops at 64 MiB" 2 "/dev/zero: larger than 64 MiB" timeout 120 "$E" decode /dev/zero
check "decode endless stdin stops" 2 "-: larger than 64 MiB" sh -c "exec timeout 120 \"$E\" decode - < /dev/zero"
check "bpp /dev/zero stops" 2 "larger than 64 MiB" timeout 120 "$E" bpp /dev/zero
check "audit /dev/zero stops" 2 "larger than 64 MiB" timeout 120 "$E" audit /dev/zero

# a gzip bomb: a valid pcap header, then zeros (every record a zero-length frame)
python3 - "$T/bomb.pcap.gz" <<'EOF'
import gzip, struct, sys
with gzip.open(sys.argv[1], "wb", compresslevel=9) as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    zeros = bytes(1 << 20)
    for _ in range(128):          # 128 MiB of zero records: 8 M empty frames
        f.write(zeros)
EOF
start=$SECONDS
check "apdus: bomb ends as damage" 1 "FINDING capture breaks off: .*damaged capture: frames 1-1000 are all empty" \
    timeout 120 "$E" apdus "$T/bomb.pcap.gz"
n=$(grep -c "^esimscope apdus: frame" "$T/err")
[ "$n" = 20 ] && echo "ok: apdus: 20 warnings printed" || { echo "FAIL: apdus printed $n warning lines"; fails=$((fails+1)); }
grep -q "more warnings not shown" "$T/err" && echo "ok: apdus: the rest counted" || { echo "FAIL: apdus: no count"; fails=$((fails+1)); }
check "trace: bomb ends as damage" 1 "capture breaks off: .*damaged capture" timeout 120 "$E" trace --no-progress "$T/bomb.pcap.gz"
n=$(grep -c "warning Ethernet" "$T/out")
[ "$n" = 20 ] && echo "ok: trace: 20 warnings listed" || { echo "FAIL: trace listed $n warnings"; fails=$((fails+1)); }
check "trace --json: bomb" 1 "" timeout 120 "$E" trace --json "$T/bomb.pcap.gz"
n=$(wc -l < "$T/out")
[ "$n" -le 1001 ] && echo "ok: trace --json: $n lines" || { echo "FAIL: trace --json: $n lines"; fails=$((fails+1)); }
[ $((SECONDS - start)) -lt 60 ] && echo "ok: the bomb took $((SECONDS - start)) s" || { echo "FAIL: the bomb took $((SECONDS - start)) s"; fails=$((fails+1)); }

# zero-filled frames with a length (a damaged copy): the same
python3 - "$T/zeroframes.pcap" <<'EOF'
import struct, sys
out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
for i in range(3000):
    out += struct.pack("<IIII", 1700000000 + i, 0, 60, 60) + bytes(60)
open(sys.argv[1], "wb").write(out)
EOF
check "trace: zero-filled frames are damage" 1 "damaged capture: frames 1-1000" "$E" trace --no-progress "$T/zeroframes.pcap"

# a record announcing 2^31 captured bytes: trace and apdus agree (a finding, exit 1)
python3 - "$S/happy_http.pcap" "$T/huge_caplen.pcap" <<'EOF'
import struct, sys
raw = open(sys.argv[1], "rb").read()
off = 24
for _ in range(5):                      # keep five frames, then a broken record
    off += 16 + struct.unpack("<I", raw[off + 8:off + 12])[0]
open(sys.argv[2], "wb").write(raw[:off] + struct.pack("<IIII", 1700000000, 0, 1 << 31, 1 << 31) + bytes(64))
EOF
check "trace: 2^31 captured length" 1 "capture breaks off: .*captured length 2147483648" "$E" trace --no-progress "$T/huge_caplen.pcap"
check "apdus: 2^31 captured length" 1 "FINDING capture breaks off: .*captured length 2147483648" "$E" apdus "$T/huge_caplen.pcap"
# a file that is no capture at all: exit 2 in both
check "trace: not a capture" 2 "not a pcap or pcapng capture" "$E" trace "$ESIM_SOURCE_DIR/README.md"
check "apdus: not a capture" 2 "not a pcap or pcapng capture" "$E" apdus "$ESIM_SOURCE_DIR/README.md"

# OS reasons
mkdir "$T/keylog.d"
check "trace: key log is a directory" 2 "reading key log .*keylog.d failed: Is a directory" \
    "$E" trace --keylog "$T/keylog.d" "$S/happy_http.pcap"
check "audit: key log is a directory" 2 "Is a directory" "$E" audit --keylog "$T/keylog.d" "$S/happy_http.pcap"
check "audit: policy is a directory" 2 "reading policy file failed: Is a directory" \
    "$E" audit --policy "$T/keylog.d" "$ESIM_SOURCE_DIR/tests/data/audit_clean.der"
check "trace: capture missing" 2 "No such file or directory" "$E" trace "$T/missing.pcap"
check "trace: capture is a directory" 2 "Is a directory" "$E" trace "$T"
check "decode: a directory" 2 "Is a directory" "$E" decode "$T"
check "apdus: capture is a directory" 2 "Is a directory" "$E" apdus "$T"
touch "$T/plainfile"
check "trace -x under a file" 2 "cannot create .*plainfile/x: Not a directory" \
    "$E" trace -x "$T/plainfile/x" "$S/happy_http.pcap"
check "trace -x a file" 2 "--extract .*plainfile: Not a directory" "$E" trace -x "$T/plainfile" "$S/happy_http.pcap"

# trace -x says when it creates the folder, and not when it exists
check "trace -x creates DIR" 0 "created .*/new/dir for the extracted BPPs" "$E" trace -x "$T/new/dir" "$S/happy_http.pcap"
check "trace -x existing DIR" 0 "" "$E" trace -x "$T/new/dir" "$S/happy_http.pcap"
grep -q "created" "$T/err" && { echo "FAIL: says created for an existing folder"; fails=$((fails+1)); } || echo "ok: existing folder not announced"

echo "$fails failures"
[ "$fails" = 0 ]
