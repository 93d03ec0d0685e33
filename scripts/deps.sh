#!/usr/bin/env bash
# Installs the Debian 12 packages esimscope needs to build, test and fuzz (only the missing ones).
# Run as root (or with sudo available). Idempotent and quick when everything is present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libglib2.0-dev libjson-c-dev libssl-dev openssl zlib1g-dev libcmocka-dev
  asn1c
  wireshark-dev libwireshark-dev libwiretap-dev tshark python3 python3-ply
  libpcap-dev tcpdump
  xxd time
)
# Tools the tests also use that come with the packages above or with every Debian system:
# editcap/mergecap/capinfos (wireshark-common, pulled in by tshark), setpriv (util-linux),
# gzip, base64/od (coreutils). Only tests/plugin/screenshot.sh (not part of the test run) needs
# more: wireshark-qt xvfb xauth x11-apps xdotool netpbm.

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer does not matter for reading files.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
