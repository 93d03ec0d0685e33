#!/bin/bash
# BPP opening throughput beside `openssl speed -evp aes-128-cbc` on the same machine, then SAIP
# decode time per profile (the 14 TS.48 profiles of the reference data when present, and the
# project's own package).
#   bench/run.sh [BUILD_DIR]     (default: build-bspbench, an optimised build without sanitizers)
#   SIZE_MB=8 ITER=5 bench/run.sh
#   TS48_DIR=...                 (default: $ESIM_SHARED_DIR/data/ts48 or ../shared/data/ts48)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$SRC/build-bspbench}
if [ ! -x "$B/bench/bench_bpp" ] || [ ! -x "$B/bench/bench_saip" ]; then
    echo "building bench_bpp, bench_saip in $B (Release, no sanitizers)..." >&2
    cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=Release -DESIM_SANITIZE=OFF \
        -DESIM_BUILD_PLUGIN=OFF -DESIM_BUILD_TESTS=OFF >/dev/null
    cmake --build "$B" -j2 --target bench_bpp bench_saip >/dev/null
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

# SAIP decoding: µs per profile and MB/s (bench_saip prints a note when TS.48 is absent)
ts48=${TS48_DIR:-${ESIM_SHARED_DIR:-$SRC/../shared}/data/ts48}
[ -d "$ts48" ] || echo "note: $ts48 absent: TS.48 profiles skipped, only the project's own package"
"$B/bench/bench_saip" --ts48 "$ts48" --iterations "${ITER:-5}"
