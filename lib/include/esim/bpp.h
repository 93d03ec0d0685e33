/* Bound Profile Package (SGP.22 2.5.4, ES8+ 5.5): parsing with exact byte ranges, opening
 * (MAC check + decryption of every segment) and building.
 *
 *   BoundProfilePackage 'BF36'
 *     initialiseSecureChannelRequest 'BF23' (remoteOpId '82', transactionId '80',
 *         controlRefTemplate 'A6' {keyType '80', keyLen '81', hostId '84'},
 *         smdpOtpk '5F49', smdpSign '5F37')
 *     firstSequenceOf87  'A0' { '87' ConfigureISDPRequest, encrypted + MAC }
 *     sequenceOf88       'A1' { '88' StoreMetadataRequest, MAC only, split over segments }
 *     secondSequenceOf87 'A2' { '87' ReplaceSessionKeysRequest } (optional)
 *     sequenceOf86       'A3' { '86' profile (UPP) segments }
 *
 * The structure is walked with esim_tlv, not asn1c: segments must be MACed over their exact
 * bytes, and a damaged BPP must still be reported part by part. */
#ifndef ESIM_BPP_H
#define ESIM_BPP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "esim/bsp.h"
#include "esim/error.h"
#include "esim/keylog.h"
#include "esim/tlv.h"

typedef enum esim_bpp_part {
    ESIM_BPP_FIRST87 = 0,   /* 'A0' */
    ESIM_BPP_SEQ88,         /* 'A1' */
    ESIM_BPP_SECOND87,      /* 'A2' */
    ESIM_BPP_SEQ86,         /* 'A3' */
    ESIM_BPP_PART_COUNT
} esim_bpp_part;

/* ASN.1 field name, e.g. "firstSequenceOf87". */
const char *esim_bpp_part_name(esim_bpp_part p);
/* Segment tag of a part (0x87, 0x88, 0x87, 0x86). */
uint8_t esim_bpp_part_seg_tag(esim_bpp_part p);

typedef struct esim_bpp_segment {
    size_t offset;          /* offset of the segment's tag in the BPP */
    size_t total_len;       /* tag + length + value */
    const uint8_t *value;   /* data || MAC (8) */
    size_t len;
} esim_bpp_segment;

/* A parsed BPP. Pointers borrow the caller's buffer (keep it alive). */
typedef struct esim_bpp {
    const uint8_t *der;
    size_t der_len;
    /* InitialiseSecureChannelRequest */
    size_t isc_offset;
    long remote_op_id;
    uint8_t tid[ESIM_TID_MAX];
    size_t tid_len;
    uint8_t key_type, key_len;
    uint8_t host_id[16];
    size_t host_id_len;
    const uint8_t *smdp_otpk;
    size_t smdp_otpk_len;
    const uint8_t *smdp_sign;
    size_t smdp_sign_len;
    const uint8_t *signed_part;     /* remoteOpId .. smdpOtpk TLVs: what smdpSign signs, */
    size_t signed_part_len;         /* followed by euiccOtpk as '5F49' TLV (SGP.22 5.5.1) */
    /* the four sequences */
    bool has_part[ESIM_BPP_PART_COUNT];
    size_t part_offset[ESIM_BPP_PART_COUNT];
    size_t part_len[ESIM_BPP_PART_COUNT];      /* whole TLV */
    esim_bpp_segment *seg[ESIM_BPP_PART_COUNT];
    size_t nseg[ESIM_BPP_PART_COUNT];
    /* esim_bpp_parse_partial only: the input stops inside the BPP */
    bool truncated;
    size_t full_len;                /* length the BF36 header announces (incl. header) */
} esim_bpp;

/* Parses a whole BPP ('BF36' ... and nothing after it). Errors name the part and offset. */
int esim_bpp_parse(const uint8_t *der, size_t len, esim_bpp *bpp, esim_error *err);
/* Same, but a BPP cut short (a capture that ends mid-transfer) is accepted: the complete
 * segments before the cut are kept, bpp->truncated is set and esim_bpp_open reports the cut.
 * The InitialiseSecureChannelRequest must be complete. */
int esim_bpp_parse_partial(const uint8_t *der, size_t len, esim_bpp *bpp, esim_error *err);
void esim_bpp_clear(esim_bpp *bpp);

/* Where the keys used for a key set came from. */
typedef enum esim_bpp_keysrc {
    ESIM_KEYS_NONE = 0,
    ESIM_KEYS_SESSION_KEYS,     /* SESSION_KEYS line */
    ESIM_KEYS_EUICC_OTSK,       /* derived: EUICC_OTSK + smdpOtpk + EID */
    ESIM_KEYS_SMDP_OTSK,        /* derived: SMDP_OTSK + EUICC_OTPK + EID */
    ESIM_KEYS_RSK,              /* PPK from the BPP's ReplaceSessionKeysRequest */
    ESIM_KEYS_PPK_LINE,         /* PPK line */
} esim_bpp_keysrc;
const char *esim_bpp_keysrc_name(esim_bpp_keysrc s);

/* Per-segment outcome. */
typedef struct esim_bpp_segcheck {
    bool checked;               /* false: not reached (no keys, earlier structural error) */
    esim_bsp_check chk;
} esim_bpp_segcheck;

typedef struct esim_bpp_opened {
    esim_bpp_keysrc session_src, ppk_src;
    esim_bsp_keys session;              /* valid when session_src != NONE */
    esim_bsp_keys ppk;                  /* keys used for the 86 segments */
    esim_bpp_segcheck *seg[ESIM_BPP_PART_COUNT];    /* nseg[p] entries each */
    size_t checked, failed;             /* segments checked / with a bad MAC or padding */
    /* plaintexts (NULL when not available) */
    uint8_t *configure_isdp;   size_t configure_isdp_len;
    uint8_t *store_metadata;   size_t store_metadata_len;
    uint8_t *rsk;              size_t rsk_len;
    uint8_t *upp;              size_t upp_len;
    bool upp_complete;                  /* every 86 segment checked and verified */
    char first_failure[300];            /* first problem, SGP.22 terms, "" when none */
} esim_bpp_opened;

/* Checks and decrypts every segment it has keys for. Keys are looked up in kl by the BPP's
 * transactionId: SESSION_KEYS, else EUICC_OTSK (+ smdpOtpk, hostId, EID), else SMDP_OTSK +
 * EUICC_OTPK. The 86 segments use the PPK of a ReplaceSessionKeysRequest in the second 87
 * sequence, else a PPK line, else the session keys.
 * Returns 0 when it ran (see checked / failed / first_failure), -1 when it could not start
 * (no usable keys: err says what is missing). Free out with esim_bpp_opened_free. */
int esim_bpp_open(const esim_bpp *bpp, const esim_keylog *kl, esim_bpp_opened *out,
                  esim_error *err);
/* Wipes and frees. */
void esim_bpp_opened_free(esim_bpp_opened *o);

/* eUICC one-time public key for the smdpSign check: EUICC_OTPK line, or computed from the
 * EUICC_OTSK line (curve from smdpOtpk). 0 found, -1 not available (err says why). */
int esim_bpp_euicc_otpk(const esim_bpp *bpp, const esim_keylog *kl,
                        uint8_t out[ESIM_EC_POINT_MAX], size_t *len, esim_error *err);
/* smdpSign over signed_part || '5F49' len euiccOtpk with the DPpb public key.
 * 1 valid, 0 invalid, -1 could not check. */
int esim_bpp_verify_sign(const esim_bpp *bpp, const uint8_t *euicc_otpk, size_t otpk_len,
                         EVP_PKEY *dp_pb_pub, esim_error *err);

/* --- decoded content of the 87/88 plaintexts (for display) --- */

#define ESIM_META_NOTIF_MAX 8
typedef struct esim_metadata {
    uint8_t iccid[10];
    bool has_iccid;
    char spn[4 * 32 + 1];           /* UTF-8 as found (not validated) */
    char name[4 * 64 + 1];
    int icon_type;                  /* -1 absent, 0 jpg, 1 png */
    const uint8_t *icon;            /* borrows the input */
    size_t icon_len;
    int profile_class;              /* -1 absent, 0 test, 1 provisioning, 2 operational */
    size_t n_notif;
    struct {
        uint8_t events;             /* bit 0 install, 1 enable, 2 disable, 3 delete (MSB first) */
        char address[256];
    } notif[ESIM_META_NOTIF_MAX];
    bool has_owner;
    uint8_t owner_mccmnc[3];
    bool has_ppr;
    uint8_t ppr;                    /* PprIds bits, MSB = pprUpdateControl */
} esim_metadata;

/* Decodes a StoreMetadataRequest ('BF25' TLV). */
int esim_metadata_decode(const uint8_t *der, size_t len, esim_metadata *m, esim_error *err);
/* Encodes one (DER, fields in ASN.1 order). Unset optional fields: icon_type -1,
 * profile_class -1, n_notif 0, has_owner/has_ppr false. */
int esim_metadata_encode(const esim_metadata *m, esim_buf *out, esim_error *err);

/* ConfigureISDPRequest 'BF24': dpOid as dotted text ("" when absent). */
int esim_configure_isdp_decode(const uint8_t *der, size_t len, char *oid, size_t cap,
                               esim_error *err);
/* ReplaceSessionKeysRequest 'BF26' {initialMacChainingValue '80', ppkEnc '81', ppkCmac '82'}. */
int esim_rsk_decode(const uint8_t *der, size_t len, esim_bsp_keys *ppk, esim_error *err);
int esim_rsk_encode(const esim_bsp_keys *ppk, esim_buf *out);

/* --- building --- */
typedef struct esim_bpp_build_params {
    const uint8_t *tid;             /* TransactionID, 1..16 bytes */
    size_t tid_len;
    const uint8_t *eid;             /* 16 bytes */
    const uint8_t *host_id;         /* 1..16 bytes */
    size_t host_id_len;
    EVP_PKEY *dp_pb_key;            /* SK.DPpb.ECDSA: signs smdpSign */
    const uint8_t *euicc_otpk;      /* otPK.EUICC.ECKA (65 bytes), as from PrepareDownload */
    size_t euicc_otpk_len;
    EVP_PKEY *smdp_otsk;            /* otSK.DP.ECKA; NULL = generate on euicc_otpk's curve */
    const uint8_t *configure_isdp;  /* whole 'BF24' TLV; NULL = empty ConfigureISDPRequest */
    size_t configure_isdp_len;
    const uint8_t *store_metadata;  /* whole 'BF25' TLV (required) */
    size_t store_metadata_len;
    bool use_ppk;                   /* protect the profile with a PPK + ReplaceSessionKeys */
    const esim_bsp_keys *ppk;       /* with use_ppk: the PPK (PPK-ENC, PPK-CMAC, initial MCV);
                                     * NULL = random (RAND_bytes) */
    const uint8_t *upp;             /* the profile: SAIP ProfileElements, DER */
    size_t upp_len;
} esim_bpp_build_params;

typedef struct esim_bpp_built {
    uint8_t *bpp;                   /* malloc'd */
    size_t bpp_len;
    esim_bsp_keys session;
    esim_bsp_keys ppk;              /* == session when !use_ppk */
    uint8_t smdp_otpk[ESIM_EC_POINT_MAX];
    size_t smdp_otpk_len;
    uint8_t smdp_otsk[32];          /* for a SMDP_OTSK key-log line */
} esim_bpp_built;

int esim_bpp_build(const esim_bpp_build_params *p, esim_bpp_built *out, esim_error *err);
/* Wipes and frees. */
void esim_bpp_built_free(esim_bpp_built *b);
#endif
