#!/bin/bash
# BPP opening throughput beside `openssl speed` (AES-128-CBC encrypt and decrypt, AES-CMAC) on
# the same machine, then SAIP decode time per profile (the 14 TS.48 profiles of the reference
# data when present, and the project's own package).
#   bench/run.sh [BUILD_DIR]     (default: build-bspbench, an optimised build without sanitizers)
#   SIZE_MB=8 ITER=50 bench/run.sh   (ITER: runs of each; default 50 for bench_bpp, 5 for bench_saip)
#   TS48_DIR=...                 (default: $ESIM_SHARED_DIR/data/ts48 or ../shared/data/ts48)
# The BPP ratios use bench_bpp's CPU-time figures: `openssl speed` divides by user CPU time
# too (unless -elapsed), and on a shared machine CPU time is the steadier measure.
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
out=$("$B/bench/bench_bpp" --size "${SIZE_MB:-8}" --iterations "${ITER:-50}")
echo "$out"

# openssl speed prints "<name>  <n>k" (1000s of bytes per second) for one block size; MB/s out
ossl_speed() {
    local k
    k=$(openssl speed "$@" -bytes 1024 -seconds 3 2>/dev/null |
        awk '/^[A-Za-z].*[0-9.]+k$/ && $1 != "type" { v = $NF } END { sub(/k$/, "", v); print v }')
    [ -n "$k" ] || { echo "could not read the output of openssl speed $*" >&2; exit 1; }
    awk -v k="$k" 'BEGIN { printf "%.1f", k / 1000 }'
}
enc=$(ossl_speed -evp aes-128-cbc)
dec=$(ossl_speed -evp aes-128-cbc -decrypt)
cmac=$(ossl_speed -cmac aes-128-cbc)
echo "openssl_aes128cbc_encrypt_1KiB_MBps $enc"
echo "openssl_aes128cbc_decrypt_1KiB_MBps $dec"
echo "openssl_cmac_aes128_1KiB_MBps $cmac"
bpp=$(echo "$out" | awk '$1 == "decrypt_verify_cpu_MBps" { print $2 }')
all=$(echo "$out" | awk '$1 == "parse_open_cpu_MBps" { print $2 }')
# Opening = one CBC decryption + one CMAC, the CMAC at best at CBC-encryption speed (it is a
# CBC encryption): the ceiling is 1 / (1/enc + 1/dec).
awk -v b="$bpp" -v a="$all" -v e="$enc" -v d="$dec" 'BEGIN {
    c = 1 / (1 / e + 1 / d)
    printf "ceiling_cbc_enc_plus_dec_MBps %.1f\n", c
    printf "ratio_ceiling_to_openssl_encrypt %.2f\n", c / e
    printf "ratio_decrypt_verify_to_openssl_encrypt %.2f\n", b / e
    printf "ratio_parse_open_to_openssl_encrypt %.2f\n", a / e
    printf "ratio_decrypt_verify_to_ceiling %.2f\n", b / c }'

# SAIP decoding: µs per profile and MB/s (bench_saip prints a note when TS.48 is absent)
ts48=${TS48_DIR:-${ESIM_SHARED_DIR:-$SRC/../shared}/data/ts48}
[ -d "$ts48" ] || echo "note: $ts48 absent: TS.48 profiles skipped, only the project's own package"
"$B/bench/bench_saip" --ts48 "$ts48" --iterations "${ITER:-5}"
