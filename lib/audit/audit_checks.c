/* The table of audit checks: id, default severity, one-line meaning, reference, function.
 * docs/audit.md describes each one; tests/unit/test_audit.c triggers each one. */
#include <string.h>
#include "audit_internal.h"

#define TCA "TCA eUICC Profile Package Interoperable Format v3.3.1"
static const esim_audit_check CHECKS[] = {
    /* structure */
    {"pe-truncated", ESIM_AUDIT_ERROR, "a PE is cut short or its TLV header is invalid; the rest of the package is unreadable",
     TCA ", ProfileElement DER (X.690)", audit_pe_truncated},
    {"pe-unknown", ESIM_AUDIT_ERROR, "a PE carries a tag that is no ProfileElement alternative of v3.3.1",
     TCA ", ProfileElement CHOICE", audit_pe_unknown},
    {"pe-malformed", ESIM_AUDIT_ERROR, "a PE does not decode as its type or breaks a constraint of the module",
     TCA ", PEDefinitions module", audit_pe_malformed},
    {"header-not-first", ESIM_AUDIT_ERROR, "the ProfileHeader is missing, repeated or not the first PE",
     TCA ", ProfileHeader (first PE of the package)", audit_header_first},
    {"end-not-last", ESIM_AUDIT_ERROR, "the PE-End is missing, repeated or not the last PE",
     TCA ", PE-End (last PE of the package)", audit_end_last},
    {"mf-missing", ESIM_AUDIT_ERROR, "the package has no MF PE",
     TCA ", PE-MF (mandatory)", audit_mf_missing},
    {"pe-order", ESIM_AUDIT_ERROR, "a file system PE comes before the MF, or an optional-files PE before the NAA it extends",
     TCA ", order of the file system PEs", audit_pe_order},
    {"duplicate-identification", ESIM_AUDIT_ERROR, "two PEs carry the same PEHeader identification number",
     TCA ", PEHeader.identification (unique per package)", audit_duplicate_identification},
    {"service-pe-missing", ESIM_AUDIT_ERROR, "the header lists a service (usim, isim, csim, milenage, ...) whose PE is absent",
     TCA ", ProfileHeader.eUICC-Mandatory-services", audit_service_pe_missing},
    {"service-not-listed", ESIM_AUDIT_WARNING, "an NAA or algorithm is present but its service is not listed in the header",
     TCA ", ProfileHeader.eUICC-Mandatory-services", audit_service_not_listed},
    {"unknown-template", ESIM_AUDIT_WARNING, "a file-system PE names a template outside the TCA template arc 2.23.143.1.2",
     TCA ", templateID (file system templates)", audit_unknown_template},
    {"file-duplicate", ESIM_AUDIT_ERROR, "two EFs of one DF declare the same file ID or short file ID",
     "ETSI TS 102 221 8.1 / 11.1.1.4.8 (file IDs, SFI unique in a DF); " TCA " Fcp", audit_file_duplicate},
    {"file-overflow", ESIM_AUDIT_ERROR, "the fill content of an EF goes past the file size its FCP declares",
     TCA " File (fillFileOffset / fillFileContent, efFileSize)", audit_file_overflow},
    {"arr-unresolved", ESIM_AUDIT_ERROR, "a file's access rule reference points to an EF.ARR record that does not exist",
     "ETSI TS 102 221 11.1.1.4.7.3 (referenced security attributes), 13.4 (EF.ARR)", audit_arr_unresolved},
    /* test profile and keys */
    {"test-profile", ESIM_AUDIT_ERROR, "the package is a GSMA TS.48 generic test profile (or a variant of one)",
     "GSMA TS.48 Generic eUICC Test Profile; SGP.22 ProfileClass test", audit_test_profile},
    {"known-test-key", ESIM_AUDIT_ERROR, "a key equals a published test value (TS.48, TS 35.208, GlobalPlatform default)",
     "GSMA TS.48; 3GPP TS 35.208 test set 1; GlobalPlatform Card Spec", audit_known_test_key},
    {"trivial-key", ESIM_AUDIT_ERROR, "a key is a trivial pattern (all bytes equal, ascending, repeated)",
     "NIST SP 800-133 (keys from an approved random bit generator); " TCA " AlgoParameter, KeyObject", audit_trivial_key},
    {"test-algorithm", ESIM_AUDIT_ERROR, "the NAA authenticates with the 3GPP test algorithm (XOR), not Milenage/TUAK",
     TCA " AlgoParameter.algorithmID; 3GPP TS 34.108 8.1.2", audit_test_algorithm},
    {"key-length", ESIM_AUDIT_ERROR, "a Milenage/TUAK K or OPc, or an AES security domain key, has a wrong length",
     "3GPP TS 35.206 (Milenage), TS 35.231 (TUAK); GlobalPlatform Card Spec (AES keys)", audit_key_length},
    /* identity */
    {"iccid-malformed", ESIM_AUDIT_ERROR, "the ICCID is not 18-20 BCD digits starting with the telecom MII 89",
     "ITU-T E.118; ETSI TS 102 221 13.2 (EF.ICCID)", audit_iccid_malformed},
    {"iccid-luhn", ESIM_AUDIT_ERROR, "the ICCID check digit is wrong",
     "ITU-T E.118 (Luhn check digit)", audit_iccid_luhn},
    {"iccid-mismatch", ESIM_AUDIT_ERROR, "the ICCID of the ProfileHeader differs from EF.ICCID",
     TCA " ProfileHeader.iccid; ETSI TS 102 221 13.2", audit_iccid_mismatch},
    {"imsi-malformed", ESIM_AUDIT_ERROR, "EF.IMSI is not a valid length / parity / BCD IMSI of 6-15 digits",
     "3GPP TS 31.102 4.2.2 (EF.IMSI); 3GPP TS 23.003 2.2", audit_imsi_malformed},
    {"imsi-test-network", ESIM_AUDIT_ERROR, "the IMSI belongs to a test network (MCC 001) or an internal range (MCC 999)",
     "ITU-T E.212 (MCC 001 test networks, 999 internal use)", audit_imsi_test_network},
    {"imsi-mcc", ESIM_AUDIT_WARNING, "the IMSI's MCC is outside the geographic (2xx-7xx) and shared (901) ranges",
     "ITU-T E.212 (Mobile Country Codes)", audit_imsi_mcc},
    /* access */
    {"rfm-no-integrity", ESIM_AUDIT_ERROR, "an RFM instance accepts commands without cryptographic checksum or signature",
     "ETSI TS 102 226 (Minimum Security Level); ETSI TS 102 225 5.1.1 (SPI)", audit_rfm_no_integrity},
    {"rfm-no-ciphering", ESIM_AUDIT_WARNING, "an RFM instance accepts commands that are not ciphered",
     "ETSI TS 102 226 (Minimum Security Level); ETSI TS 102 225 5.1.1 (SPI)", audit_rfm_no_ciphering},
    {"rfm-no-counter", ESIM_AUDIT_WARNING, "an RFM instance accepts commands without a checked counter (replay)",
     "ETSI TS 102 226 (Minimum Security Level); ETSI TS 102 225 5.1.1 (SPI)", audit_rfm_no_counter},
    {"default-pin", ESIM_AUDIT_ERROR, "a PIN, PUK or ADM code is a default or trivial value",
     "3GPP TS 31.121 4.1.1 (default PIN/PUK); ETSI TS 102 221 9.5", audit_default_pin},
    {"adm-disabled", ESIM_AUDIT_ERROR, "an ADM code is configured disabled (pinAttributes bit 1 clear)",
     TCA " PINConfiguration.pinAttributes; ETSI TS 102 221 9.5", audit_adm_disabled},
    {"applet", ESIM_AUDIT_INFO, "the package carries a Java Card load file or applet instance (listed for review)",
     TCA " PE-Application; GlobalPlatform Card Spec 11.1.2 (privileges)", audit_applet},
};

const esim_audit_check *esim_audit_checks(size_t *count)
{
    *count = sizeof CHECKS / sizeof CHECKS[0];
    return CHECKS;
}

const esim_audit_check *esim_audit_check_find(const char *id)
{
    for (size_t i = 0; id && i < sizeof CHECKS / sizeof CHECKS[0]; i++)
        if (strcmp(CHECKS[i].id, id) == 0)
            return &CHECKS[i];
    return NULL;
}
