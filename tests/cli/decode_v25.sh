#!/bin/bash
# esimscope decode of SGP.22 v2.5 data objects (asn1/SGP22-RSPDefinitions.asn): EUICCInfo2,
# DeviceInfo, Profile Metadata with service specific data and v2.5 named values, each encoded
# here byte by byte from the tags of the v2.5 module (automatic tags counted by hand).
set -u
E="$ESIMSCOPE"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
. "$(dirname "$0")/lib/check.bash"
tlv() { # tlv TAG HEX: one DER TLV (short or 81 long form length)
    local n=$(( ${#2} / 2 ))
    if [ $n -lt 128 ]; then printf '%s%02X%s' "$1" $n "$2"; else printf '%s81%02X%s' "$1" $n "$2"; fi
}
txt() { printf '%s' "$1" | xxd -p | tr -d '\n'; }

# EUICCInfo2 'BF22' (SGP.22 5.7.8). uiccCapability: bits 1 usimSupport, 19 berTlvFileSupport,
# 31 iotminimal (SAIP v3 bits); rspCapability 0, 4, 5 (2 unused bits); treProperties bit 1.
ski=$(printf 'AB%.0s' $(seq 20))
fields="$(tlv 81 020301)$(tlv 82 020500)$(tlv 83 010203)$(tlv 84 810100)$(tlv 85 0040001001)"
fields+="$(tlv 86 030002)$(tlv 87 020300)$(tlv 88 028C)$(tlv A9 "$(tlv 04 "$ski")")"
fields+="$(tlv AA "$(tlv 04 "$ski")")$(tlv 8B 02)$(tlv 04 000001)$(tlv 0C "$(txt SAS-0001)")"
fields+="$(tlv 8D 0640)$(tlv 8E "$(txt TRE-PRODUCT-1)")$(tlv AF "$(tlv 04 020200)$(tlv 04 030100)")"
tlv BF22 "$fields" > "$T/info2.hex"
check "EUICCInfo2: type" 0 "^EUICCInfo2" "$E" decode "$T/info2.hex"
check "EUICCInfo2: ts102241Version [6]" 0 "^  ts102241Version: 3\.0\.2$" "$E" decode "$T/info2.hex"
check "EUICCInfo2: SAIP v3 UICC capabilities" 0 \
    "uiccCapability: 40001001 \(usimSupport, berTlvFileSupport, iotminimal\)" "$E" decode "$T/info2.hex"
check "EUICCInfo2: v2.5 RSP capabilities" 0 \
    "rspCapability: 8C \(additionalProfile, deviceInfoExtensibilitySupport, serviceSpecificDataSupport\)" \
    "$E" decode "$T/info2.hex"
check "EUICCInfo2: treProperties [13]" 0 "treProperties: 40 \(isIntegrated\)" "$E" decode "$T/info2.hex"
check "EUICCInfo2: treProductReference [14]" 0 'treProductReference: "TRE-PRODUCT-1"' \
    "$E" decode "$T/info2.hex"
check "EUICCInfo2: additionalEuiccProfilePackageVersions [15]" 0 "^    \[1\]: 3\.1\.0$" \
    "$E" decode "$T/info2.hex"
"$E" decode --json "$T/info2.hex" > "$T/info2.json"
python3 - "$T/info2.json" <<'PY' || { echo "FAIL: EUICCInfo2 JSON"; fails=$((fails+1)); }
import json, sys
o = json.load(open(sys.argv[1]))
assert o["type"] == "EUICCInfo2", o["type"]
assert o["canonical_der"] is True, "every field known: re-encodes to the same bytes"
v = o["value"]
assert v["treProductReference"] == "TRE-PRODUCT-1", v
assert len(v["additionalEuiccProfilePackageVersions"]) == 2, v
assert "javacardVersion" not in v and "ts102241Version" in v, v
print("ok: EUICCInfo2 JSON")
PY

# A field of a later v2.x ('90 01 00', lpaMode [16]) is skipped, not an error.
tlv BF22 "$fields$(tlv 90 00)" > "$T/info2-later.hex"
check "EUICCInfo2 with a later field: decodes" 0 'treProductReference: "TRE-PRODUCT-1"' \
    "$E" decode "$T/info2-later.hex"
check "EUICCInfo2 with a later field: noted" 0 "re-encoding differs" "$E" decode "$T/info2-later.hex"

# DeviceInfo (SGP.22 4.2): tac [0] (4 bytes in v2.5), deviceCapabilities [1], imei [2];
# DeviceCapabilities automatic tags [0]..[14].
caps="$(tlv 80 0D0000)$(tlv 85 100000)$(tlv 88 0F0000)$(tlv 89 110000)$(tlv 8A 110000)"
caps+="$(tlv 8B 020500)$(tlv 8C 0780)$(tlv 8D 01)$(tlv AE "$(tlv 80 010000)")"
tlv 30 "$(tlv 80 35290611)$(tlv A1 "$caps")$(tlv 82 3529061123456780)" > "$T/devinfo.hex"
check "DeviceInfo: tac" 0 "^  tac: 35290611$" "$E" decode --type DeviceInfo "$T/devinfo.hex"
for f in "eutranEpcSupportedRelease: 16\.0\.0" "nrEpcSupportedRelease: 15\.0\.0" \
         "nr5gcSupportedRelease: 17\.0\.0" "eutran5gcSupportedRelease: 17\.0\.0" \
         "lpaSvn: 2\.5\.0" "catSupportedClasses: 80" "euiccFormFactorType: 1" \
         "deviceAdditionalFeatureSupport DeviceAdditionalFeatureSupport" "naiSupport: 1\.0\.0"; do
    check "DeviceInfo: ${f%%:*}" 0 "$f" "$E" decode --type DeviceInfo "$T/devinfo.hex"
done
# The same DeviceInfo inside CtxParams1 { ctxParamsForCommonAuthentication [0] { matchingId [0],
# deviceInfo [1] } } as an LPA sends it in AuthenticateServer.
tlv A0 "$(tlv 80 "$(txt MATCHING-ID-1)")$(tlv A1 "$(tlv 80 35290611)$(tlv A1 "$caps")")" > "$T/ctx.hex"
check "CtxParams1: DeviceInfo inside" 0 "nr5gcSupportedRelease: 17\.0\.0" \
    "$E" decode --type CtxParams1 "$T/ctx.hex"

# StoreMetadataRequest 'BF25' (SGP.22 4.4) with service specific data [34] 'BF22' and [35]
# 'BF23': VendorSpecificExtension { vendorOid [0], vendorSpecificData [1] (explicit: an open
# type) }.
ssd=$(tlv 30 "$(tlv 80 2B0601040182F42A01)$(tlv A1 "$(tlv 04 CAFE01)")")
smr="$(tlv 5A 98103254769810325476)$(tlv 91 "$(txt Operator)")$(tlv 92 "$(txt Plan)")"
tlv BF25 "$smr$(tlv BF22 "$ssd")$(tlv BF23 "$ssd")" > "$T/smr.hex"
check "StoreMetadata: stored service data" 0 "^  serviceSpecificDataStoredInEuicc VendorSpecificExtension" \
    "$E" decode "$T/smr.hex"
check "StoreMetadata: not stored service data" 0 "^  serviceSpecificDataNotStoredInEuicc" \
    "$E" decode "$T/smr.hex"
check "StoreMetadata: vendor OID" 0 "vendorOid: 1\.3\.6\.1\.4\.1\.47658\.1" "$E" decode "$T/smr.hex"
check "StoreMetadata: vendor data (the open type's TLV)" 0 "vendorSpecificData: 0403CAFE01" \
    "$E" decode "$T/smr.hex"
# profileClass is DEFAULT operational in v2.5 (OPTIONAL in v2.1): written out as v2.1 senders do,
# it is shown as sent.
tlv BF25 "$smr$(tlv 95 02)" > "$T/smr-class.hex"
check "StoreMetadata: profileClass as sent" 0 "^  profileClass: 2 \(operational\)$" "$E" decode "$T/smr-class.hex"

# v2.5 named values: CancelSessionRequest 'BF41' reason 4; LoadCRLResponse 'BF35' with
# missingParts as SEQUENCE OF INTEGER.
tlv BF41 "$(tlv 80 0102030405060708)$(tlv 81 04)" > "$T/cancel.hex"
check "CancelSessionReason 4" 0 "reason: 4 \(metadataMismatch\)" "$E" decode "$T/cancel.hex"
tlv BF35 "$(tlv A0 "$(tlv A0 "$(tlv 02 03)$(tlv 02 05)")")" > "$T/crl.hex"
check "LoadCRLResponse missingParts" 0 "^      \[1\]: 5$" "$E" decode --type LoadCRLResponse "$T/crl.hex"
tlv BF35 "$(tlv 81 05)" > "$T/crlerr.hex"
check "LoadCRLResponseError 5" 0 "5 \(fresherCrlAlreadyLoaded\)" "$E" decode --type LoadCRLResponse "$T/crlerr.hex"

[ "$fails" -eq 0 ] && echo "decode_v25: all checks passed" || { echo "decode_v25: $fails failed"; exit 1; }
