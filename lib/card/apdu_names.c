/* Instruction and status-word tables. Sources: ISO/IEC 7816-4 clause 5 and tables 5-6 (status
 * words), ETSI TS 102 221 clause 10 (commands, table 10.5; status words, clause 10.2.1), 3GPP
 * TS 51.011 clause 9.4 (GSM 9Fxx, 94xx, 98xx), GlobalPlatform Card Specification 2.3 clause 11. */
#include <stdio.h>
#include <string.h>
#include "esim/apdu_names.h"

/* The SW texts are constants of this table with one conversion matching their SW2 kind. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define IN ESIM_T0_IN
#define OUT ESIM_T0_OUT

/* Sorted by INS (esim_ins_lookup bisects). First matching entry wins: keep P1-qualified entries
 * before the generic one of the same INS. */
static const esim_ins_info ins_table[] = {
    {0x04, 0, 0, "DEACTIVATE FILE", "TS 102 221", IN},
    {0x0E, 0, 0, "ERASE BINARY", "ISO 7816-4", IN},
    {0x10, 0, 0, "TERMINAL PROFILE", "TS 102 221", IN},
    {0x12, 0, 0, "FETCH", "TS 102 221", OUT},
    {0x14, 0, 0, "TERMINAL RESPONSE", "TS 102 221", IN},
    {0x20, 0, 0, "VERIFY PIN", "TS 102 221", IN},
    {0x24, 0, 0, "CHANGE PIN", "TS 102 221", IN},
    {0x26, 0, 0, "DISABLE PIN", "TS 102 221", IN},
    {0x28, 0, 0, "ENABLE PIN", "TS 102 221", IN},
    {0x2C, 0, 0, "UNBLOCK PIN", "TS 102 221", IN},
    {0x32, 0, 0, "INCREASE", "TS 102 221", IN},
    {0x44, 0, 0, "ACTIVATE FILE", "TS 102 221", IN},
    {0x50, 0, 0, "INITIALIZE UPDATE", "GlobalPlatform", IN},
    {0x70, 0, 0, "MANAGE CHANNEL", "TS 102 221", OUT}, /* open: Le = 1 (channel number) */
    {0x73, 0, 0, "MANAGE SECURE CHANNEL", "TS 102 221", IN},
    {0x75, 0, 0, "TRANSACT DATA", "TS 102 221", IN},
    {0x76, 0, 0, "SUSPEND UICC", "TS 102 221", IN},
    {0x78, 0, 0, "GET IDENTITY", "TS 102 221", IN},
    {0x7A, 0, 0, "EXCHANGE CAPABILITIES", "TS 102 221", IN},
    {0x82, 0, 0, "EXTERNAL AUTHENTICATE", "ISO 7816-4 / GlobalPlatform", IN},
    {0x84, 0, 0, "GET CHALLENGE", "ISO 7816-4", OUT},
    {0x88, 0, 0, "AUTHENTICATE", "TS 102 221 / ISO 7816-4 INTERNAL AUTHENTICATE", IN},
    {0x89, 0, 0, "AUTHENTICATE (odd)", "TS 102 221", IN},
    {0xA2, 0, 0, "SEARCH RECORD", "TS 102 221", IN},
    {0xA4, 0, 0, "SELECT", "TS 102 221 / ISO 7816-4", IN},
    {0xAA, 0, 0, "TERMINAL CAPABILITY", "TS 102 221", IN},
    {0xB0, 0, 0, "READ BINARY", "TS 102 221", OUT},
    {0xB2, 0, 0, "READ RECORD", "TS 102 221", OUT},
    {0xC0, 0, 0, "GET RESPONSE", "TS 102 221 / ISO 7816-4", OUT},
    {0xC2, 0, 0, "ENVELOPE", "TS 102 221", IN},
    {0xCA, 0, 0, "GET DATA", "ISO 7816-4 / GlobalPlatform", OUT},
    {0xCB, 0, 0, "RETRIEVE DATA", "TS 102 221", OUT},
    {0xD4, 0, 0, "RESIZE FILE", "TS 102 222", IN},
    {0xD6, 0, 0, "UPDATE BINARY", "TS 102 221", IN},
    {0xD8, 0, 0, "PUT KEY", "GlobalPlatform", IN},
    {0xDB, 0, 0, "SET DATA", "TS 102 221", IN},
    {0xDC, 0, 0, "UPDATE RECORD", "TS 102 221", IN},
    {0xE0, 0, 0, "CREATE FILE", "TS 102 222", IN},
    {0xE2, 0, 0, "STORE DATA", "GlobalPlatform / SGP.22 ES10", IN},
    {0xE4, 0, 0, "DELETE", "GlobalPlatform / TS 102 222 DELETE FILE", IN},
    {0xE6, 0, 0, "INSTALL", "GlobalPlatform", IN},
    {0xE8, 0, 0, "LOAD", "GlobalPlatform", IN},
    {0xF0, 0, 0, "SET STATUS", "GlobalPlatform", IN},
    /* STATUS (TS 102 221, P1 = 00/01/02, case 2) and GET STATUS (GlobalPlatform, P1 = 80/40/20/10,
     * search criteria in the data) share INS F2. */
    {0xF2, 0xF0, 0x00, "STATUS", "TS 102 221", OUT},
    {0xF2, 0x00, 0x00, "GET STATUS", "GlobalPlatform", IN},
    {0xFA, 0, 0, "SLEEP", "TS 51.011", OUT},
};

const esim_ins_info *esim_ins_lookup(uint8_t ins, uint8_t p1)
{
    /* ins_table is sorted by INS: the first row of this INS by bisection, then its P1 rows */
    size_t lo = 0, hi = sizeof ins_table / sizeof ins_table[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ins_table[mid].ins < ins)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < sizeof ins_table / sizeof ins_table[0] && ins_table[i].ins == ins; i++)
        if ((p1 & ins_table[i].p1_mask) == ins_table[i].p1_value)
            return &ins_table[i];
    return NULL;
}

const char *esim_ins_name(uint8_t ins, uint8_t p1)
{
    const esim_ins_info *i = esim_ins_lookup(ins, p1);
    return i ? i->name : "UNKNOWN INS";
}

/* How SW2 enters the text: not at all, as a byte count, as low-nibble count, or as a hex byte. */
enum { SW2_NONE, SW2_COUNT, SW2_NIBBLE, SW2_HEX };

static const struct sw_entry {
    uint16_t value, mask;
    const char *text; /* with one %u or %02X when the SW2 kind says so */
    int sw2;
} sw_table[] = {
    {0x9000, 0xFFFF, "normal ending of the command", SW2_NONE},
    {0x9100, 0xFF00, "normal ending, proactive command of %u bytes pending", SW2_COUNT},
    {0x9240, 0xFFFF, "memory problem", SW2_NONE},
    {0x9200, 0xFFF0, "command successful after %u internal retries", SW2_NIBBLE},
    {0x9300, 0xFFFF, "toolkit busy, command cannot be executed now", SW2_NONE},
    {0x9400, 0xFFFF, "no EF selected", SW2_NONE},
    {0x9402, 0xFFFF, "out of range (invalid address)", SW2_NONE},
    {0x9404, 0xFFFF, "file ID or pattern not found", SW2_NONE},
    {0x9408, 0xFFFF, "file inconsistent with the command", SW2_NONE},
    {0x9802, 0xFFFF, "no CHV initialized", SW2_NONE},
    {0x9804, 0xFFFF, "access condition not fulfilled / authentication failed", SW2_NONE},
    {0x9808, 0xFFFF, "in contradiction with CHV status", SW2_NONE},
    {0x9810, 0xFFFF, "in contradiction with invalidation status", SW2_NONE},
    {0x9840, 0xFFFF, "unsuccessful CHV verification, no attempt left", SW2_NONE},
    {0x9850, 0xFFFF, "increase cannot be performed, maximum value reached", SW2_NONE},
    {0x9862, 0xFFFF, "authentication error, incorrect MAC", SW2_NONE},
    {0x9863, 0xFFFF, "security session or association expired", SW2_NONE},
    {0x9864, 0xFFFF, "authentication error, security context not supported", SW2_NONE},
    {0x9865, 0xFFFF, "key freshness failure", SW2_NONE},
    {0x9E00, 0xFF00, "data download error, %u response bytes available", SW2_COUNT},
    {0x9F00, 0xFF00, "response data available: %u bytes (GET RESPONSE)", SW2_COUNT},
    {0x6100, 0xFF00, "response data available: %u bytes (GET RESPONSE)", SW2_COUNT},
    {0x6200, 0xFFFF, "warning: no information given, non-volatile memory unchanged", SW2_NONE},
    {0x6281, 0xFFFF, "warning: part of returned data may be corrupted", SW2_NONE},
    {0x6282, 0xFFFF, "warning: end of file/record reached before reading Le bytes", SW2_NONE},
    {0x6283, 0xFFFF, "warning: selected file invalidated", SW2_NONE},
    {0x6285, 0xFFFF, "warning: selected file in termination state", SW2_NONE},
    {0x62F1, 0xFFFF, "warning: more data available", SW2_NONE},
    {0x62F2, 0xFFFF, "warning: more data available and proactive command pending", SW2_NONE},
    {0x62F3, 0xFFFF, "warning: response data available", SW2_NONE},
    {0x63F1, 0xFFFF, "warning: more data expected", SW2_NONE},
    {0x63F2, 0xFFFF, "warning: more data expected and proactive command pending", SW2_NONE},
    {0x6310, 0xFFFF, "more data available (GET STATUS: send the next occurrence)", SW2_NONE},
    {0x63C0, 0xFFF0, "verification failed, %u retries left", SW2_NIBBLE},
    {0x6300, 0xFF00, "warning: verification failed or no information (SW2 %02X)", SW2_HEX},
    {0x6400, 0xFFFF, "execution error: non-volatile memory unchanged", SW2_NONE},
    {0x6500, 0xFFFF, "execution error: non-volatile memory changed", SW2_NONE},
    {0x6581, 0xFFFF, "memory problem", SW2_NONE},
    {0x6700, 0xFFFF, "wrong length", SW2_NONE},
    {0x6700, 0xFF00, "wrong length (SW2 %02X)", SW2_HEX},
    {0x6800, 0xFFFF, "functions in CLA not supported", SW2_NONE},
    {0x6881, 0xFFFF, "logical channel not supported", SW2_NONE},
    {0x6882, 0xFFFF, "secure messaging not supported", SW2_NONE},
    {0x6900, 0xFFFF, "command not allowed, no information given", SW2_NONE},
    {0x6981, 0xFFFF, "command incompatible with file structure", SW2_NONE},
    {0x6982, 0xFFFF, "security status not satisfied", SW2_NONE},
    {0x6983, 0xFFFF, "authentication/PIN method blocked", SW2_NONE},
    {0x6984, 0xFFFF, "referenced data invalidated", SW2_NONE},
    {0x6985, 0xFFFF, "conditions of use not satisfied", SW2_NONE},
    {0x6986, 0xFFFF, "command not allowed (no EF selected)", SW2_NONE},
    {0x6989, 0xFFFF, "command not allowed: secure channel, security not satisfied", SW2_NONE},
    {0x6A80, 0xFFFF, "incorrect parameters in the data field", SW2_NONE},
    {0x6A81, 0xFFFF, "function not supported", SW2_NONE},
    {0x6A82, 0xFFFF, "file or application not found", SW2_NONE},
    {0x6A83, 0xFFFF, "record not found", SW2_NONE},
    {0x6A84, 0xFFFF, "not enough memory space", SW2_NONE},
    {0x6A86, 0xFFFF, "incorrect parameters P1 to P2", SW2_NONE},
    {0x6A87, 0xFFFF, "Lc inconsistent with P1 to P2", SW2_NONE},
    {0x6A88, 0xFFFF, "referenced data not found", SW2_NONE},
    {0x6B00, 0xFFFF, "wrong parameters P1-P2", SW2_NONE},
    {0x6C00, 0xFF00, "wrong length Le: %u bytes available (re-issue with that Le)", SW2_COUNT},
    {0x6D00, 0xFFFF, "instruction code not supported or invalid", SW2_NONE},
    {0x6E00, 0xFFFF, "class not supported", SW2_NONE},
    {0x6F00, 0xFFFF, "technical problem, no precise diagnosis", SW2_NONE},
    {0x6F00, 0xFF00, "technical problem, proprietary diagnosis %02X", SW2_HEX},
};

const char *esim_sw_meaning(uint16_t sw, char *buf, size_t cap)
{
    for (size_t i = 0; i < sizeof sw_table / sizeof sw_table[0]; i++) {
        const struct sw_entry *e = &sw_table[i];
        if ((sw & e->mask) != e->value)
            continue;
        unsigned sw2 = sw & 0xFF;
        switch (e->sw2) {
        case SW2_COUNT:
            /* 61 00 / 6C 00 / 9F 00 mean 256 bytes in T=0 (P3 = 0 means 256) */
            snprintf(buf, cap, e->text, sw2 ? sw2 : (e->value == 0x9100 ? 0 : 256));
            break;
        case SW2_NIBBLE:
            snprintf(buf, cap, e->text, sw2 & 0x0F);
            break;
        case SW2_HEX:
            snprintf(buf, cap, e->text, sw2);
            break;
        default: { /* the common case (9000): a copy, truncated as snprintf would */
            size_t n = strlen(e->text);
            if (cap) {
                if (n >= cap)
                    n = cap - 1;
                memcpy(buf, e->text, n);
                buf[n] = 0;
            }
        }
        }
        return buf;
    }
    snprintf(buf, cap, "unknown status word %04X", sw);
    return buf;
}

int esim_sw_ok(uint16_t sw)
{
    return sw == 0x9000 || (sw >> 8) == 0x91 || ((sw >> 8) == 0x92 && sw != 0x9240);
}
