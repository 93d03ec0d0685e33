#!/bin/bash
# TLS decryption throughput of `esimscope trace`'s TLS layer (bench_tls: TLS 1.2 and 1.3 with
# AES-128-GCM, full 16 KiB records in 1448-byte segments) beside `openssl speed -evp aes-128-gcm`
# at 16 KiB on the same machine; prints both and their ratio (CPU-time figures on both sides:
# `openssl speed` divides by user CPU time too).
#   bench/run_tls.sh [BUILD_DIR]     (default: build-bspbench, optimised, no sanitizers)
#   SIZE_MB=64 ITER=5 bench/run_tls.sh
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$SRC/build-bspbench}
if [ ! -x "$B/bench/bench_tls" ]; then
    echo "building bench_tls in $B (Release, no sanitizers)..." >&2
    cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=Release -DESIM_SANITIZE=OFF \
        -DESIM_BUILD_PLUGIN=OFF -DESIM_BUILD_TESTS=OFF >/dev/null
    cmake --build "$B" -j2 --target bench_tls >/dev/null
fi
if grep -q "ESIM_SANITIZE:BOOL=ON" "$B/CMakeCache.txt" 2>/dev/null; then
    echo "warning: $B is a sanitizer build; figures are not meaningful" >&2
fi
out=$("$B/bench/bench_tls" --size "${SIZE_MB:-64}" --iterations "${ITER:-5}")
echo "$out"
k=$(openssl speed -evp aes-128-gcm -bytes 16384 -seconds 3 2>/dev/null |
    awk '/^[A-Za-z].*[0-9.]+k$/ && $1 != "type" { v = $NF } END { sub(/k$/, "", v); print v }')
[ -n "$k" ] || { echo "could not read the output of openssl speed" >&2; exit 1; }
ossl=$(awk -v k="$k" 'BEGIN { printf "%.1f", k / 1000 }')
echo "openssl_aes128gcm_16KiB_MBps $ossl"
for v in tls12 tls13; do
    m=$(echo "$out" | awk -v n="${v}_aes128gcm_decrypt_cpu_MBps" '$1 == n { print $2 }')
    awk -v m="$m" -v o="$ossl" -v v="$v" 'BEGIN { printf "ratio_%s_decrypt_to_openssl_gcm %.2f\n", v, m / o }'
done
