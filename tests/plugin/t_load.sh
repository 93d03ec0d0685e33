#!/bin/sh
# The plugin loads into Debian's tshark 4.0 and registers the protocol and its fields.
. "$(dirname "$0")/lib.sh"
require_plugin
ok "tshark -G plugins lists esim.so"
protos=$(ts -G protocols | awk -F'\t' '$3 == "esim" { print $1 }')
check "protocol 'eSIM RSP' with filter name esim" test "$protos" = "eSIM RSP"
flds=$(ts -G fields | awk -F'\t' '$1 == "F" { print $3 }')
for f in esim.es10.command esim.transaction_id esim.eid esim.iccid esim.matching_id \
         esim.es10.result esim.bpp.segment esim.bpp.mac_ok esim.es9p.function \
         esim.es9p.status esim.es9p.subject_code esim.es9p.reason_code \
         esim.es10.reassembled.in esim.es10.response_in esim.es10.request_in; do
    check "field $f" has "$flds" "$f"
done
# every field of the protocol is under esim. (never a name upstream uses: sgp22, sgp32, ...)
ts -G fields | awk -F'\t' '$1 == "F" && $5 == "esim" { print $3 }' >"$T/esim_fields"
check "all fields of the protocol start with esim." sh -c "! grep -qv '^esim\.' '$T/esim_fields'"
check "at least 30 fields registered" test "$(wc -l <"$T/esim_fields")" -ge 30
tsn -G fields | awk -F'\t' '$1 == "F" { print $3 }' >"$T/fields_without"
check "without the plugin esim.es10.command is unknown" sh -c "! grep -qx esim.es10.command '$T/fields_without'"
# the plugin exports Wireshark's entry points only, none of the core or the asn1c runtime
if command -v nm >/dev/null; then
    nm -D --defined-only "$ESIM_PLUGIN_SO" | awk '{ print $3 }' | sort >"$T/exports"
    check "exports only plugin_register/version/want_major/want_minor ($(wc -l <"$T/exports"))" \
        test "$(tr '\n' ' ' <"$T/exports")" = "plugin_register plugin_version plugin_want_major plugin_want_minor "
fi
finish
