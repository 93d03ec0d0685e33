#!/usr/bin/env bash
# Writes the fuzz_tls seeds (tests/fuzz/corpus/fuzz_tls/): the first TCP connection of each HTTPS
# sample with the sample's key log, in the harness's input format (see fuzz_tls.c). Needs tshark.
set -eu
S=$(cd "$(dirname "$0")/../../samples" && pwd)
out=$(cd "$(dirname "$0")" && pwd)/corpus/fuzz_tls
mkdir -p "$out"
for f in happy_https happy_https13 happy_https_percall happy_https13_percall; do
    tshark -r "$S/$f.pcapng" -Y 'tcp.stream == 0 && tcp.len > 0' -T fields -e tcp.srcport -e tcp.payload |
        python3 -c '
import sys
keylog = open(sys.argv[1], "rb").read().rstrip(b"\n")
out = bytearray(keylog + b"\n\n")
for line in sys.stdin:
    port, payload = line.split()
    data = bytes.fromhex(payload.replace(":", ""))
    out += bytes([0 if port != "443" else 1]) + len(data).to_bytes(2, "big") + data
open(sys.argv[2], "wb").write(out)' "$S/$f.sslkeylog" "$out/$f"
done
