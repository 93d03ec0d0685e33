/* The "eSIM RSP" dissector (filter prefix esim.): shared registration data of the plugin's
 * parts. packet-esim.c registers the protocol and the fields every part uses; the ES10 part
 * (APDUs from GSMTAP-SIM / USB CCID) and the ES9+/ES11 part (HTTP bodies) register their own. */
#ifndef PACKET_ESIM_H
#define PACKET_ESIM_H
#include <stdbool.h>
#include <epan/packet.h>
#include <epan/expert.h>

void proto_register_esim(void);
void proto_reg_handoff_esim(void);

extern int proto_esim;

/* Fields shared by the ES10 and ES9+ parts (packet-esim.c). */
extern int hf_esim_transaction_id, hf_esim_eid, hf_esim_iccid, hf_esim_matching_id;
extern int hf_esim_asn1_type, hf_esim_es10_result;
extern int hf_esim_ccid_slot; /* esim.ccid.slot (packet-esim-es10.c) */
extern gint ett_esim, ett_esim_asn1;
extern expert_field ei_esim_malformed, ei_esim_rsp_error;

/* Preferences (packet-esim.c). */
extern const char *esim_pref_keylog;      /* eSIM key log file (docs/keylog.md), "" = none */
extern const char *esim_pref_isdr_aid;    /* hex AID of the ISD-R, "" = SGP.22 default */
extern gboolean esim_pref_show_keys;      /* show decrypted key material (UPP, PPK) */

/* What esim_dissect_asn1 found in a decoded message (plugin/asn1/packet-esim-rsp-template.c). */
typedef struct esim_asn1_summary {
    char type[64];           /* ASN.1 type decoded, "" when decoding failed */
    char tid[33], eid[33], iccid[21], matching_id[130];
    char result[96];         /* ES10 result: "successResult", "ok", "errorResult", ... */
    bool error;              /* the message reports an RSP error (expert info added) */
    char err_text[200];      /* the first one, as the expert info says it */
    char err_code[64];       /* ... and its code as `esimscope trace` gives it ("errorReason 8") */
} esim_asn1_summary;

/* The "esim" tap: one record per decoded ES10 / ES9+ / ES11 message (packet-esim-tap.c). */
typedef struct esim_tap_rec {
    char iface[8];           /* "ES10b", "ES9+", "ES11" */
    char function[48];
    bool response;
    esim_asn1_summary sum;
    char fail_code[64];      /* "8.2.6/3.8", "SW 6A80" */
    char fail_text[256];
    uint32_t card;           /* ES10: the card (its index, from 1); 0 for ES9+/ES11 */
    uint16_t tag;            /* ES10: the command's tag, 0 for a BPP piece after the BF36 */
    bool bpp_piece;          /* ES10: a LoadBoundProfilePackage piece */
} esim_tap_rec;
void esim_register_tap(void);
void esim_tap_message(packet_info *pinfo, const char *iface, const char *function, bool response,
                      const esim_asn1_summary *sum, const char *fail_code, const char *fail_text);
/* The same for an ES10 message of a card: its session is found by the core's rules
 * (lib/rsp/session_rules.c), as `esimscope trace` finds it. */
void esim_tap_es10(packet_info *pinfo, uint32_t card, uint16_t tag, bool bpp_piece,
                   const char *iface, const char *function, bool response,
                   const esim_asn1_summary *sum, const char *fail_code, const char *fail_text);

/* Where an object of unknown type comes from, to choose between the types sharing its tag
 * (e.g. BF20: GetEuiccInfo1Request / EUICCInfo1). */
typedef enum {
    ESIM_ASN1_COMMAND,   /* ES10 command data sent to the eUICC */
    ESIM_ASN1_RESPONSE,  /* ES10 response data from the eUICC */
    ESIM_ASN1_ANY,       /* a base64 member of an ES9+/ES11 body */
} esim_asn1_hint;

/* Dissects tvb[offset, offset+len) as the ASN.1 type `type` (NULL: chosen from the outer tag
 * and the hint) with the asn2wrs-generated dissectors (packet-esim-rsp-template.c): a subtree
 * esim.asn1.type with every component as an esim.rsp.* field at its exact bytes, the esim.* key
 * fields, esim.rsp_error expert info for RSP error codes and esim.malformed for a bad encoding.
 * Fills sum even without a tree (Info column, tap). Returns false when no type applies. */
bool esim_dissect_asn1(tvbuff_t *tvb, int offset, int len, packet_info *pinfo, proto_tree *tree,
                       const char *type, esim_asn1_hint hint, esim_asn1_summary *sum);
/* Same for a base64 member `json_key` of an ES9+/ES11 body that may not be ASN.1 at all: when
 * no type applies, nothing is added and false is returned. */
bool esim_try_asn1(tvbuff_t *tvb, int offset, int len, packet_info *pinfo, proto_tree *tree,
                   const char *json_key, esim_asn1_summary *sum);

/* A whole BoundProfilePackage: parts, segments, and with the key log MAC results and
 * plaintexts (packet-esim-bpp.c). */
void esim_dissect_bpp(tvbuff_t *tvb, int off, int len, packet_info *pinfo, proto_tree *tree,
                      esim_asn1_summary *sum);
/* The BPP on the card interface: LoadBoundProfilePackage pieces of one card appended in order
 * (first pass); with the key log, the MAC results of the segments of each piece and the
 * plaintexts of the parts a piece completes. */
typedef struct esim_bpp_stream esim_bpp_stream;
typedef struct esim_seg_result {
    uint32_t off, len;  /* of the segment TLV in the piece */
    bool checked, mac_ok;
} esim_seg_result;
typedef struct esim_bpp_piece {
    wmem_array_t *macs;      /* esim_seg_result of the piece's segments */
    uint8_t *bpp;            /* the BPP so far (ciphertext), when parts != 0 */
    size_t bpp_len;
    unsigned parts;          /* bit p: part p (esim_bpp_part) is complete with this piece */
} esim_bpp_piece;
esim_bpp_stream *esim_bpp_stream_new(void);
/* Returns what the piece gives (file scope), NULL without key log or usable BPP. */
esim_bpp_piece *esim_bpp_stream_piece(esim_bpp_stream *s, const uint8_t *piece, size_t n,
                                      packet_info *pinfo);
/* Adds esim.bpp.mac_ok (and expert info) under a segment item when the piece has it. */
void esim_bpp_segment_result(proto_item *seg, tvbuff_t *tvb, packet_info *pinfo,
                             const esim_bpp_piece *pc, int off, int len);
/* The plaintexts of the parts the piece completes (ConfigureISDP, StoreMetadata,
 * ReplaceSessionKeys, the profile), opened again from the BPP so far and shown as for the
 * ES9+ BPP (new data sources; key material only with esim.show_keys). */
void esim_bpp_piece_plaintexts(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                               const esim_bpp_piece *pc);
/* An esim.bpp.segment item (packet-esim-es10.c). */
proto_item *esim_add_bpp_segment(proto_tree *tree, tvbuff_t *tvb, int off, int len, guint8 tag);

/* ES10 state of one card: channels, ISD-R selection, STORE DATA and GET RESPONSE chains,
 * pairing, the BPP sent to it (packet-esim-es10.c). */
typedef struct card_state card_state;
card_state *esim_cardview_new(void);
/* The card sits in this CCID slot (bSlot) of its reader: shown in the tree and, when not 0,
 * in the Info column. Cards of other carriers have none. */
void esim_cardview_set_slot(card_state *cs, uint8_t slot);
/* The card was reset (ATR): only the basic channel, nothing selected. */
void esim_cardview_reset(card_state *cs);
/* The ES10 view of one frame holding a command APDU (cmd_len > 0; short or extended, or a T=0
 * TPDU) and/or a response (sw_off >= 0; response data at rsp_off, rsp_len bytes, before the
 * SW). apdu_handle (with apdu_data) dissects the carrier first; parent: the eSIM item to add
 * to (NULL: a new one). Returns false when neither part is ES10 traffic: nothing is added and
 * the caller hands the frame on. */
bool esim_es10_parts(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, card_state *cs,
                     int cmd_off, int cmd_len, int rsp_off, int rsp_len, int sw_off,
                     dissector_handle_t apdu_handle, void *apdu_data, proto_item *parent);

/* Registration of the parts. */
void esim_register_rsp(void);
void esim_register_es10(void);
void esim_register_bpp(void);
void esim_handoff_es10(void);
void esim_register_ccid(void);
void esim_handoff_ccid(void);
void esim_register_modem(void);
void esim_handoff_modem(void);
void esim_register_es9p(void);
void esim_handoff_es9p(void);
#endif
