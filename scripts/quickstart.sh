#!/usr/bin/env bash
# First run on a fresh Debian 12 machine: installs what esimscope needs, builds it, and runs the
# main job on the bundled sample: decrypt and verify a Bound Profile Package with its key log,
# check the SM-DP+ signature and certificate chain, and decode the profile inside.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

sample=samples/quickstart
echo "\$ esimscope bpp $sample/bpp.der --keylog $sample/esim.keylog --cert $sample/dppb.pem --ca $sample/ci.pem -o build/profile.der"
build/analyzer/esimscope bpp "$sample/bpp.der" --keylog "$sample/esim.keylog" \
  --cert "$sample/dppb.pem" --ca "$sample/ci.pem" -o build/profile.der
echo
echo "\$ esimscope profile build/profile.der"
build/analyzer/esimscope profile build/profile.der
