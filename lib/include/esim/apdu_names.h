/* Names of APDU instructions (ISO/IEC 7816-4, ETSI TS 102 221, 3GPP TS 51.011, GlobalPlatform
 * Card Specification) and meanings of status words, as tables. */
#ifndef ESIM_APDU_NAMES_H
#define ESIM_APDU_NAMES_H
#include <stddef.h>
#include <stdint.h>

/* The instructions the card layer acts on (ISO/IEC 7816-4 clause 11, GlobalPlatform 11.11). */
enum {
    ESIM_INS_MANAGE_CHANNEL = 0x70,
    ESIM_INS_SELECT = 0xA4,
    ESIM_INS_GET_RESPONSE = 0xC0,
    ESIM_INS_STORE_DATA = 0xE2,
};

/* Which way the data of a T=0 TPDU flows, i.e. what P3 counts (TS 102 221 clause 7.3.1.1 / ISO
 * 7816-3 clause 12.2): IN = P3 is Lc, data goes to the card (cases 3 and 4: the response of a case
 * 4 command comes later through GET RESPONSE); OUT = P3 is Le, data comes from the card (case 2);
 * UNKNOWN = instruction not in the table. */
typedef enum { ESIM_T0_UNKNOWN, ESIM_T0_IN, ESIM_T0_OUT } esim_t0_dir;

typedef struct esim_ins_info {
    uint8_t ins;
    uint8_t p1_mask, p1_value; /* entry applies when (P1 & p1_mask) == p1_value */
    const char *name;
    const char *spec;
    esim_t0_dir dir;
} esim_ins_info;

/* Table entry for an instruction, or NULL when unknown. */
const esim_ins_info *esim_ins_lookup(uint8_t ins, uint8_t p1);
/* Name of an instruction ("UNKNOWN INS" when not in the table). */
const char *esim_ins_name(uint8_t ins, uint8_t p1);
/* Meaning of a status word, e.g. "6A82" -> "file or application not found"; SW2-dependent
 * families (61xx, 6Cxx, 63Cx, 91xx, ...) are expanded with their count into buf. Returns buf. */
const char *esim_sw_meaning(uint16_t sw, char *buf, size_t cap);
/* True for the normal-processing status words 9000, 91xx, 92xx (TS 102 221 clause 10.2.1.1). */
int esim_sw_ok(uint16_t sw);
#endif
