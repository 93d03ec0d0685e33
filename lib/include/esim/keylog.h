/* The esimscope key log ("eSIM key log"): one key per line, like SSLKEYLOGFILE.
 * Format and labels: docs/keylog.md. Lookup is by TransactionID (SGP.22). */
#ifndef ESIM_KEYLOG_H
#define ESIM_KEYLOG_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "esim/bsp.h"
#include "esim/error.h"

typedef enum esim_keylog_kind {
    ESIM_KL_SESSION_KEYS,   /* SESSION_KEYS <tid> <S-ENC> <S-MAC> <initial MCV> */
    ESIM_KL_PPK,            /* PPK <tid> <PPK-ENC> <PPK-MAC> <initial MCV> */
    ESIM_KL_EUICC_OTSK,     /* EUICC_OTSK <tid> <otSK.EUICC.ECKA scalar> <EID> */
    ESIM_KL_EUICC_OTPK,     /* EUICC_OTPK <tid> <otPK.EUICC.ECKA point 04||X||Y> */
    ESIM_KL_SMDP_OTSK,      /* SMDP_OTSK <tid> <otSK.DP.ECKA scalar> <EID> */
    ESIM_KL_KIND_COUNT
} esim_keylog_kind;

#define ESIM_TID_MAX 16

typedef struct esim_keylog_entry {
    esim_keylog_kind kind;
    uint8_t tid[ESIM_TID_MAX];
    size_t tid_len;
    esim_bsp_keys keys;                 /* SESSION_KEYS, PPK */
    uint8_t scalar[32];                 /* EUICC_OTSK, SMDP_OTSK */
    uint8_t point[ESIM_EC_POINT_MAX];   /* EUICC_OTPK */
    size_t point_len;
    uint8_t eid[16];                    /* EUICC_OTSK, SMDP_OTSK */
    size_t eid_len;
    unsigned line;                      /* line in the file it came from */
} esim_keylog_entry;

typedef struct esim_keylog esim_keylog;

const char *esim_keylog_label(esim_keylog_kind k);

esim_keylog *esim_keylog_new(void);
/* Wipes every entry and frees. NULL is fine. */
void esim_keylog_free(esim_keylog *kl);
/* Adds the lines of a file ("-" = stdin). Error: "<file> line N: ...". */
int esim_keylog_load(esim_keylog *kl, const char *path, esim_error *err);
/* Adds the lines of text (name is used in error messages). */
int esim_keylog_parse(esim_keylog *kl, const char *text, size_t len, const char *name,
                      esim_error *err);
/* Adds one entry (copied). */
int esim_keylog_add(esim_keylog *kl, const esim_keylog_entry *e, esim_error *err);
size_t esim_keylog_count(const esim_keylog *kl);
/* First entry of this kind for this TransactionID, or NULL. */
const esim_keylog_entry *esim_keylog_find(const esim_keylog *kl, esim_keylog_kind kind,
                                          const uint8_t *tid, size_t tid_len);
/* Writes one line (with the trailing newline). Returns 0 / -1. */
int esim_keylog_write(FILE *f, const esim_keylog_entry *e);
#endif
