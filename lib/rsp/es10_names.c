/* ES10 command table and eUICC error explanations (see es10_names.h). Tags and types: SGP.22
 * v2.x rsp.asn; explanations paraphrase the error descriptions of SGP.22 sections 5.7.6 (ES8+
 * BPP processing), 5.7.13 (AuthenticateServer) and 5.7.14 (PrepareDownload). */
#include <string.h>
#include "esim/es10_names.h"

static const esim_es10_info es10_table[] = {
    {0xBF20, "GetEuiccInfo1", "ES10b", "GetEuiccInfo1Request", "EUICCInfo1"},
    {0xBF21, "PrepareDownload", "ES10b", "PrepareDownloadRequest", "PrepareDownloadResponse"},
    {0xBF22, "GetEuiccInfo2", "ES10b", "GetEuiccInfo2Request", "EUICCInfo2"},
    /* The BPP is sent segment by segment (SGP.22 section 2.5.5); the first segment starts with
     * the BF36 tag and holds the InitialiseSecureChannelRequest 'BF23'. */
    {0xBF23, "InitialiseSecureChannel", "ES8+", "InitialiseSecureChannelRequest",
     "ProfileInstallationResult"},
    {0xBF24, "ConfigureISDP", "ES8+", "ConfigureISDPRequest", NULL},
    {0xBF25, "StoreMetadata", "ES8+", "StoreMetadataRequest", NULL},
    {0xBF26, "ReplaceSessionKeys", "ES8+", "ReplaceSessionKeysRequest", NULL},
    {0xBF28, "ListNotification", "ES10b", "ListNotificationRequest", "ListNotificationResponse"},
    {0xBF29, "SetNickname", "ES10c", "SetNicknameRequest", "SetNicknameResponse"},
    {0xBF2A, "UpdateMetadata", "ES8+", "UpdateMetadataRequest", NULL},
    {0xBF2B, "RetrieveNotificationsList", "ES10b", "RetrieveNotificationsListRequest",
     "RetrieveNotificationsListResponse"},
    {0xBF2D, "GetProfilesInfo", "ES10c", "ProfileInfoListRequest", "ProfileInfoListResponse"},
    {0xBF2E, "GetEuiccChallenge", "ES10b", "GetEuiccChallengeRequest", "GetEuiccChallengeResponse"},
    {0xBF30, "RemoveNotificationFromList", "ES10b", "NotificationSentRequest",
     "NotificationSentResponse"},
    {0xBF31, "EnableProfile", "ES10c", "EnableProfileRequest", "EnableProfileResponse"},
    {0xBF32, "DisableProfile", "ES10c", "DisableProfileRequest", "DisableProfileResponse"},
    {0xBF33, "DeleteProfile", "ES10c", "DeleteProfileRequest", "DeleteProfileResponse"},
    {0xBF34, "eUICCMemoryReset", "ES10c", "EuiccMemoryResetRequest", "EuiccMemoryResetResponse"},
    {0xBF35, "LoadCRL", "ES10b", "LoadCRLRequest", "LoadCRLResponse"},
    {0xBF36, "LoadBoundProfilePackage", "ES10b", "BoundProfilePackage",
     "ProfileInstallationResult"},
    {0xBF38, "AuthenticateServer", "ES10b", "AuthenticateServerRequest",
     "AuthenticateServerResponse"},
    {0xBF3C, "GetEuiccConfiguredAddresses", "ES10a", "EuiccConfiguredAddressesRequest",
     "EuiccConfiguredAddressesResponse"},
    {0xBF3E, "GetEID", "ES10c", "GetEuiccDataRequest", "GetEuiccDataResponse"},
    {0xBF3F, "SetDefaultDpAddress", "ES10a", "SetDefaultDpAddressRequest",
     "SetDefaultDpAddressResponse"},
    {0xBF41, "CancelSession", "ES10b", "CancelSessionRequest", "CancelSessionResponse"},
    {0xBF42, "LpaeActivation", "ES10c", "LpaeActivationRequest", "LpaeActivationResponse"},
    {0xBF43, "GetRAT", "ES10b", "GetRatRequest", "GetRatResponse"},
};

const esim_es10_info *esim_es10_lookup(uint16_t tag)
{
    for (size_t i = 0; i < sizeof es10_table / sizeof es10_table[0]; i++)
        if (es10_table[i].tag == tag)
            return &es10_table[i];
    return NULL;
}

uint16_t esim_es10_tag(const uint8_t *d, size_t n)
{
    if (n < 2 || d[0] != 0xBF || (d[1] & 0x80))
        return 0;
    return (uint16_t)(0xBF00u | d[1]);
}

typedef struct explain {
    const char *type;
    long value;
    const char *text;
} explain;

static const explain explanations[] = {
    /* ProfileInstallationResult errorReason (SGP.22 section 5.5 / 5.7.6) */
    {"ErrorReason", 1, "a BPP command carried values the eUICC does not accept"},
    {"ErrorReason", 2, "the SM-DP+ signature (smdpSign) did not verify: wrong DPpb key or "
                       "altered InitialiseSecureChannel"},
    {"ErrorReason", 3, "the BPP's transactionId is not the one of the ongoing session"},
    {"ErrorReason", 4, "the control reference template (key type/length) is not supported"},
    {"ErrorReason", 5, "remoteOpId is not installBoundProfilePackage"},
    {"ErrorReason", 6, "the profile class is not allowed on this eUICC"},
    {"ErrorReason", 7, "SCP03t structure error: a segment is malformed or out of order"},
    {"ErrorReason", 8, "MAC check failed: wrong keys or corrupted segment"},
    {"ErrorReason", 9, "a profile with this ICCID is already installed"},
    {"ErrorReason", 10, "not enough memory on the eUICC for the profile"},
    {"ErrorReason", 11, "the download was interrupted"},
    {"ErrorReason", 12, "a profile element could not be processed"},
    {"ErrorReason", 13, "data in the profile differ from the metadata (e.g. the ICCID)"},
    {"ErrorReason", 14, "test profile with an invalid NAA key"},
    {"ErrorReason", 15, "the profile policy rules are not allowed on this eUICC"},
    {"ErrorReason", 127, "unknown error inside the eUICC"},
    /* AuthenticateServer (SGP.22 section 5.7.13) */
    {"AuthenticateErrorCode", 1, "the SM-DP+ certificate (CERT.DPauth) is invalid"},
    {"AuthenticateErrorCode", 2, "the SM-DP+ signature serverSignature1 did not verify"},
    {"AuthenticateErrorCode", 3, "the SM-DP+ uses a curve the eUICC does not support"},
    {"AuthenticateErrorCode", 4, "no session context on the eUICC"},
    {"AuthenticateErrorCode", 5, "the SM-DP+ OID is invalid"},
    {"AuthenticateErrorCode", 6, "the euiccChallenge signed by the SM-DP+ is not the one the "
                                 "eUICC issued"},
    {"AuthenticateErrorCode", 7, "the CI public key of the SM-DP+ certificate is unknown to "
                                 "the eUICC"},
    {"AuthenticateErrorCode", 127, "undefined error"},
    /* PrepareDownload (SGP.22 section 5.7.14) */
    {"DownloadErrorCode", 1, "the SM-DP+ certificate (CERT.DPpb) is invalid"},
    {"DownloadErrorCode", 2, "the SM-DP+ signature smdpSignature2 did not verify"},
    {"DownloadErrorCode", 3, "the SM-DP+ uses a curve the eUICC does not support"},
    {"DownloadErrorCode", 4, "no session context on the eUICC (AuthenticateServer missing)"},
    {"DownloadErrorCode", 5, "the transactionId differs from the one of AuthenticateServer"},
    {"DownloadErrorCode", 127, "undefined error"},
    /* CancelSession (SGP.22 section 5.7.16) */
    {"CancelSessionReason", 0, "the end user rejected the download"},
    {"CancelSessionReason", 1, "the download was postponed"},
    {"CancelSessionReason", 2, "the LPA timed out"},
    {"CancelSessionReason", 3, "the profile policy rules are not allowed"},
    /* not in v2.1; named in the v2.5 module */
    {"CancelSessionReason", 4, "the metadata in the BPP differ from those the SM-DP+ sent in "
                               "AuthenticateClient"},
    {"CancelSessionReason", 5, "loading the BPP into the eUICC failed in the LPA"},
    {"CancelSessionReason", 127, "no specific reason"},
};

const char *esim_es10_error_explain(const char *type, long value)
{
    if (!type)
        return NULL;
    for (size_t i = 0; i < sizeof explanations / sizeof explanations[0]; i++)
        if (explanations[i].value == value && !strcmp(explanations[i].type, type))
            return explanations[i].text;
    return NULL;
}
