#!/bin/sh
# The BPP on the ES10 path (LoadBoundProfilePackage STORE DATA sequences): with the key log the
# plaintexts of the parts a piece completes are opened by the core (esim_bpp_open) and shown as
# for the ES9+ BPP: ConfigureISDP and StoreMetadata as new data sources with their decoded
# fields, the profile (UPP) and ReplaceSessionKeys as data sources only with esim.show_keys.
. "$(dirname "$0")/lib.sh"
require_plugin

# sources FILE [ARGS]: the names of the extra data sources of ES10 frames (tshark -x headings)
sources() {
    f=$1; shift
    ts -r "$S/$f" "$@" -Y esim.es10.command -x | sed -n 's/^\([A-Za-z].*\) ([0-9]* bytes):$/\1/p' |
        grep -v -e '^Frame' -e '^Reassembled' -e '^T=1' | sort | uniq -c | awk '{ $1 = $1; print }'
}
kl() { echo "-o esim.keylog_file:$S/${1%.*}.keylog"; }
# val FILE FILTER FIELD: the field's values in the matching frames, with the key log
val() { ts -2 -r "$S/$1" $(kl $1) -Y "$2" -T fields -E occurrence=a -E aggregator=, -e "$3"; }

for c in happy_simtrace_gsmtap.pcap happy_usbmon_t0.pcap happy_usbmon_t1.pcap happy_usbpcap.pcap; do
    src=$(sources $c $(kl $c))
    check "$c: ConfigureISDP and StoreMetadata decrypted as data sources once each" \
        test "$src" = "$(printf '1 ConfigureISDP\n1 StoreMetadata')"
    check "$c: no plaintext without the key log" test -z "$(sources $c)"
    src=$(sources $c $(kl $c) -o esim.show_keys:TRUE)
    check "$c: with esim.show_keys also the profile (UPP)" \
        sh -c "printf '%s\n' \"$src\" | grep -qx '1 Profile (UPP)'"
    # StoreMetadata's fields in the frame of the 88 piece; its ICCID is the one the eUICC
    # reports in the ProfileInstallationResult
    name=$(val $c 'esim.bpp.segment == 0x88' esim.rsp.profileName | head -1)
    iccid=$(val $c 'esim.bpp.segment == 0x88' esim.iccid | head -1)
    pir=$(val $c 'esim.es10.result == "successResult"' esim.iccid | head -1 | cut -d, -f1)
    check "$c: StoreMetadata profileName ($name) on the ES10 path" test -n "$name"
    check "$c: StoreMetadata ICCID = the PIR's ($pir)" \
        sh -c "[ -n '$pir' ] && echo '$iccid' | tr ',' '\n' | grep -qx '$pir'"
    check "$c: no profile name without the key log" \
        test "$(count $c esim.rsp.profileName)" -eq 0
done
# the same download seen on ES9+ and ES10: the same StoreMetadata on both paths
m9=$(val happy_multi.pcapng 'esim.rsp.profileName && esim.es9p.function' esim.rsp.profileName | sort -u)
m10=$(val happy_multi.pcapng 'esim.rsp.profileName && esim.es10.command' esim.rsp.profileName | sort -u)
check "happy_multi: StoreMetadata profileName on ES10 = on ES9+ ($m10)" test -n "$m10" -a "$m9" = "$m10"
# a BPP whose last 86 segment was damaged: the parts before it still open, no dissector bug
src=$(sources fail_bpp_mac.pcapng $(kl fail_bpp_mac.pcapng))
check "fail_bpp_mac: ConfigureISDP and StoreMetadata still decrypted" \
    test "$src" = "$(printf '1 ConfigureISDP\n1 StoreMetadata')"
check "no dissector bug" sh -c "! grep -qi 'dissector bug' '$T/stderr'"
finish
