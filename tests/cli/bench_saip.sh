#!/bin/bash
# bench_saip runs once over the TS.48 profiles (when ../shared is present) and the project's own
# package: every profile decodes, every PE re-encodes to its exact bytes, the figures are printed.
set -u
B="$ESIM_BINARY_DIR/bench/bench_saip"
[ -x "$B" ] || { echo "FAIL: $B not built (the build makes it)"; exit 1; }
D="${ESIM_SHARED_DIR:-}/data/ts48"
out=$("$B" --ts48 "$D" --iterations 1 --min-ms 0 2>&1); rc=$?
echo "$out" | tail -8
fail() { echo "FAIL: $*"; exit 1; }
[ $rc = 0 ] || fail "bench_saip exit $rc"
want=1
[ -d "$D" ] && want=15
grep -qx "saip_profiles $want" <<<"$out" || fail "expected $want profiles"
grep -q "^esim_saip_build (own) .* 10/10$" <<<"$out" || fail "own package: not 10 PEs re-encoded exactly"
exact=$(awk '$1 == "saip_reencoded_exactly" { print $2 }' <<<"$out")
[ -n "$exact" ] && [ "${exact%/*}" = "${exact#*/}" ] || fail "re-encoding: $exact"
grep -Eq "^saip_decode_us_per_profile [0-9.]+$" <<<"$out" || fail "no decode figure"
[ -d "$D" ] || echo "note: $D absent: only the own package was decoded"
echo OK
