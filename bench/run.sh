#!/bin/bash
# BPP opening throughput beside `openssl speed -evp aes-128-cbc` on the same machine.
#   bench/run.sh [BUILD_DIR]     (default: build-bspbench, an optimised build without sanitizers)
#   SIZE_MB=8 ITER=5 bench/run.sh
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$SRC/build-bspbench}
if [ ! -x "$B/bench/bench_bpp" ]; then
    echo "building bench_bpp in $B (Release, no sanitizers)..." >&2
    cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=Release -DESIM_SANITIZE=OFF \
        -DESIM_BUILD_PLUGIN=OFF -DESIM_BUILD_TESTS=OFF >/dev/null
    cmake --build "$B" -j2 --target bench_bpp >/dev/null
fi
if grep -q "ESIM_SANITIZE:BOOL=ON" "$B/CMakeCache.txt" 2>/dev/null; then
    echo "warning: $B is a sanitizer build; figures are not meaningful" >&2
fi
out=$("$B/bench/bench_bpp" --size "${SIZE_MB:-8}" --iterations "${ITER:-5}")
echo "$out"
# openssl speed prints "AES-128-CBC  <n>k" (1000s of bytes per second) for one block size
ossl_k=$(openssl speed -evp aes-128-cbc -bytes 1024 -seconds 3 2>/dev/null |
         awk 'tolower($1) == "aes-128-cbc" { v = $NF } END { sub(/k$/, "", v); print v }')
[ -n "$ossl_k" ] || { echo "could not read openssl speed output" >&2; exit 1; }
ossl=$(awk -v k="$ossl_k" 'BEGIN { printf "%.1f", k / 1000 }')
bpp=$(echo "$out" | awk '$1 == "decrypt_verify_MBps" { print $2 }')
all=$(echo "$out" | awk '$1 == "parse_open_MBps" { print $2 }')
echo "openssl_aes128cbc_encrypt_1KiB_MBps $ossl"
awk -v b="$bpp" -v a="$all" -v o="$ossl" 'BEGIN {
    printf "ratio_decrypt_verify_to_openssl %.2f\n", b / o
    printf "ratio_parse_open_to_openssl %.2f\n", a / o }'
