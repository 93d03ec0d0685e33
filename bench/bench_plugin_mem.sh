#!/usr/bin/env bash
# Memory and CPU of tshark with the plugin against tshark without it, on a real SIMtrace capture
# with no eSIM traffic (../shared/data/traces/simtrace-gsmtap-uicc.pcapng, repeated to FRAMES
# frames): the plugin must not keep state for frames that carry no eSIM data (issue 11; aim:
# peak RSS <= 1.1x). Usage: bench/bench_plugin_mem.sh [BUILD_DIR] [FRAMES]
# Prints one line per run and the ratios measured in this run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
frames=${2:-1000000}
so=$(ls "$build"/plugin/*/epan/esim.so 2>/dev/null | head -1)
real=${ESIM_SHARED_DIR:-../shared}/data/traces/simtrace-gsmtap-uicc.pcapng
[ -f "$so" ] || { echo "no plugin in $build"; exit 2; }
[ -f "$real" ] || { echo "SKIP: $real not found (reference data)"; exit 77; }
ver=$(basename "$(dirname "$(dirname "$so")")")
T=$(mktemp -d /tmp/esim-bench-mem.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/with/$ver/epan" "$T/without/$ver/epan" "$T/home"
cp "$so" "$T/with/$ver/epan/"
tshark -r "$real" -F pcap -w "$T/one.pcap" 2>/dev/null
python3 - "$T/one.pcap" "$T/big.pcap" "$frames" <<'PY'
import struct, sys
src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, 'rb').read()
hdr, recs, off = data[:24], [], 24
while off + 16 <= len(data):
    ts, us, incl, orig = struct.unpack('<IIII', data[off:off + 16])
    recs.append((ts, us, data[off + 16:off + 16 + incl], orig))
    off += 16 + incl
span = recs[-1][0] - recs[0][0] + 1
with open(dst, 'wb') as f:
    f.write(hdr)
    n = k = 0
    while n < want:
        for ts, us, d, orig in recs:
            if n == want:
                break
            f.write(struct.pack('<IIII', ts + k * span, us, len(d), orig) + d)
            n += 1
        k += 1
PY
chmod -R a+rwX "$T"
run() { # label plugin-dir -> "peak_kib cpu_s"
    /usr/bin/time -f '%M %U %S' -o "$T/time" setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env HOME="$T/home" WIRESHARK_PLUGIN_DIR="$2" tshark -n -r "$T/big.pcap" >/dev/null 2>&1 || true
    read -r rss u s <"$T/time"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    echo "$1: peak RSS $rss KiB, CPU $cpu s" >&2
    echo "$rss $cpu"
}
read -r r0 c0 < <(run "tshark without the plugin ($frames frames)" "$T/without")
read -r r1 c1 < <(run "tshark with the plugin" "$T/with")
awk -v r0="$r0" -v r1="$r1" -v c0="$c0" -v c1="$c1" \
    'BEGIN { printf "plugin/no plugin: peak RSS %.2fx, CPU %.2fx\n", r1 / r0, c1 / c0 }'
