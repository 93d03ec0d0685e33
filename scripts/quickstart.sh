#!/usr/bin/env bash
# First run on a fresh Debian 12 machine: installs what esimscope needs, builds it, and runs the
# main job on the bundled sample download (samples/happy_http.pcap, ES9+ over HTTP, with its eSIM
# key log): the session and its verdict, then the Bound Profile Package the SM-DP+ sent decrypted
# and verified (every segment MAC, smdpSign, the SM-DP+ certificate's chain to the CI), then the
# profile inside.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
# The same configuration scripts/test-plugin.sh uses, so CI builds it once.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESIM_SANITIZE=OFF -DESIM_FUZZ=OFF \
  -DESIM_BUILD_PLUGIN=ON -DESIM_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

E=build/analyzer/esimscope
S=samples
out=build/quickstart
rm -rf "$out" && mkdir -p "$out"
run() { echo "\$ esimscope $*"; "$E" "$@"; echo; }

run trace $S/happy_http.pcap --keylog $S/happy_http.keylog --extract $out
bpp=$(ls $out/*-es9p.bpp | head -n 1)
run bpp "$bpp" --keylog $S/happy_http.keylog --cert $S/pki/nist/CERT_DPpb.pem \
    --ca $S/pki/nist/CERT_CI.pem -o $out/profile.der
run profile $out/profile.der
