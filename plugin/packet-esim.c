/* Protocol "eSIM RSP" (esim): registration of the protocol, the fields shared by its parts,
 * expert info and preferences. ASN.1 trees come from asn2wrs-generated dissectors
 * (plugin/asn1/); sessions, BPP MACs and verdicts from the core library (lib/). */
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include "packet-esim.h"

int proto_esim = -1;

int hf_esim_transaction_id = -1;
int hf_esim_eid = -1;
int hf_esim_iccid = -1;
int hf_esim_matching_id = -1;
int hf_esim_asn1_type = -1;
int hf_esim_es10_result = -1;

gint ett_esim = -1;
gint ett_esim_asn1 = -1;

expert_field ei_esim_malformed = EI_INIT;
expert_field ei_esim_rsp_error = EI_INIT;

const char *esim_pref_keylog = "";
const char *esim_pref_isdr_aid = "";
gboolean esim_pref_show_keys = FALSE;

void proto_register_esim(void)
{
    static hf_register_info hf[] = {
        {&hf_esim_transaction_id, {"TransactionID", "esim.transaction_id", FT_STRING, BASE_NONE,
                                   NULL, 0x0, "RSP session transactionId (hex)", HFILL}},
        {&hf_esim_eid, {"EID", "esim.eid", FT_STRING, BASE_NONE, NULL, 0x0,
                        "eUICC identifier (32 digits)", HFILL}},
        {&hf_esim_iccid, {"ICCID", "esim.iccid", FT_STRING, BASE_NONE, NULL, 0x0,
                          "Profile ICCID (digits)", HFILL}},
        {&hf_esim_matching_id, {"Matching ID", "esim.matching_id", FT_STRING, BASE_NONE, NULL,
                                0x0, NULL, HFILL}},
        {&hf_esim_asn1_type, {"ASN.1 type", "esim.asn1.type", FT_STRING, BASE_NONE, NULL, 0x0,
                              "RSPDefinitions type the data was decoded as", HFILL}},
        {&hf_esim_es10_result, {"Result", "esim.es10.result", FT_STRING, BASE_NONE, NULL, 0x0,
                                "Outcome reported by the eUICC or server", HFILL}},
    };
    static gint *ett[] = {&ett_esim, &ett_esim_asn1};
    static ei_register_info ei[] = {
        {&ei_esim_malformed, {"esim.malformed", PI_MALFORMED, PI_ERROR,
                              "Malformed ASN.1 (SGP.22 RSPDefinitions)", EXPFILL}},
        {&ei_esim_rsp_error, {"esim.rsp_error", PI_RESPONSE_CODE, PI_WARN,
                              "RSP error code", EXPFILL}},
    };

    proto_esim = proto_register_protocol("eSIM RSP", "eSIM", "esim");
    proto_register_field_array(proto_esim, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_module_t *em = expert_register_protocol(proto_esim);
    expert_register_field_array(em, ei, array_length(ei));

    module_t *m = prefs_register_protocol(proto_esim, NULL);
    prefs_register_filename_preference(m, "keylog_file", "eSIM key log file",
                                       "Key log with SESSION_KEYS / EUICC_OTSK / PPK lines "
                                       "(format of esimscope bpp --keylog, docs/keylog.md)",
                                       &esim_pref_keylog, FALSE);
    prefs_register_string_preference(m, "isdr_aid", "ISD-R AID",
                                     "AID of the ISD-R in hex (empty: "
                                     "A0000005591010FFFFFFFF8900000100, SGP.22 2.2.3)",
                                     &esim_pref_isdr_aid);
    prefs_register_bool_preference(m, "show_keys", "Show decrypted key material",
                                   "Show the decrypted profile (UPP) and ReplaceSessionKeys as "
                                   "data sources (they hold keys); otherwise only masked trees",
                                   &esim_pref_show_keys);

    esim_register_rsp();
    esim_register_es10();
    esim_register_ccid();
    esim_register_modem();
    esim_register_bpp();
    esim_register_tap();
    esim_register_es9p();
}

void proto_reg_handoff_esim(void)
{
    esim_handoff_es10();
    esim_handoff_ccid();
    esim_handoff_modem();
    esim_handoff_es9p();
}
