/* The card layer's rules, in one place for both faces: which logical channel holds the ISD-R or
 * the ECASD (MANAGE CHANNEL, SELECT by full or partial AID, card reset), which APDUs carry an ES10
 * command (STORE DATA blocks to the ISD-R, SGP.22 section 5.7.2) or fetch an ES10 response
 * (GET RESPONSE after 61xx), how the blocks chain, and the mid-stream rule for captures that
 * start after the ISD-R was selected.
 *
 * Fed one raw exchange at a time, in capture order: esim_card_command() with the command APDU's
 * header and data, then esim_card_response() with what the card answered to it (T=0 GET
 * RESPONSE exchanges are exchanges of their own). `esimscope` (lib/card/apdu.c) and the
 * Wireshark plugin (plugin/packet-esim-es10.c) both ask this module what an APDU means. */
#ifndef ESIM_CARD_H
#define ESIM_CARD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESIM_CARD_CHANNELS 20 /* basic + 3 (CLA 0X/8X/AX) + 16 extended (CLA 4X/6X/CX/EX) */

typedef enum {
    ESIM_CARD_OTHER,        /* not ES10 traffic: an ordinary APDU */
    ESIM_CARD_ES10_BLOCK,   /* a STORE DATA block of an ES10 command to the ISD-R */
    ESIM_CARD_ES10_GETRSP,  /* a GET RESPONSE fetching (part of) an ES10 response */
} esim_card_kind;

/* Why a STORE DATA is not taken as ES10 (kind OTHER): said to the user, never silent. */
typedef enum {
    ESIM_CARD_NOTE_NONE,
    ESIM_CARD_NOTE_FIRST_BLOCK_MISSING, /* block P2 > 0 with no chain: the capture starts inside
                                         * an ES10 command */
    ESIM_CARD_NOTE_NOT_ES10,            /* STORE DATA on the ISD-R channel whose data is not an
                                         * ES10 command (a vendor applet's or a GP command) */
    ESIM_CARD_NOTE_BPP_WITHOUT_HEADER,  /* looks like a LoadBoundProfilePackage piece on a
                                         * channel of unknown selection: no BF36 in the capture */
} esim_card_note;

typedef struct esim_card_cmd {
    esim_card_kind kind;
    int channel;            /* logical channel from CLA, -1 when CLA has no channel coding */
    bool last;              /* BLOCK: P1 b8, the last block of the command */
    bool first;             /* BLOCK: the first block of the command */
    uint8_t block;          /* BLOCK: P2, the block number */
    uint32_t chain;         /* BLOCK/GETRSP: sequence number of the ES10 command on the channel
                             * (with the channel, a key for reassembly) */
    uint16_t tag;           /* BLOCK/GETRSP: ES10 tag of the command ('BFxx'), 0 for a
                             * LoadBoundProfilePackage piece after the BF36 */
    bool bpp_piece;         /* BLOCK: a piece of LoadBoundProfilePackage (BF36 or after it) */
    bool isdr_assumed;      /* the channel is the ISD-R by the mid-stream rule, not by a SELECT */
    bool assumed_here;      /* ... and this command is the one that made the assumption */
    esim_card_note note;    /* OTHER: why a STORE DATA was not taken as ES10 */
} esim_card_cmd;

typedef struct esim_card_rsp {
    esim_card_kind kind;    /* of the command this answers */
    int channel;
    bool es10_response;     /* response data of an ES10 command is (partly) in this answer */
    bool more;              /* ... and more follows with GET RESPONSE (61xx) */
    bool complete;          /* the ES10 response is complete with this answer */
    bool rejected;          /* BLOCK: the eUICC refused the block (error SW): the command ends */
    bool isdr_selected;     /* a SELECT in this exchange made its channel the ISD-R */
} esim_card_rsp;

typedef struct esim_card esim_card;

esim_card *esim_card_new(void);
void esim_card_free(esim_card *c);
/* The ISD-R's AID when it is not SGP.22's A0000005591010FFFFFFFF8900000100 (5 to 16 bytes;
 * NULL or an invalid length restores the default). */
void esim_card_set_isdr_aid(esim_card *c, const uint8_t *aid, size_t len);
/* Card reset (ATR): only the basic channel open, the MF selected on it. */
void esim_card_reset(esim_card *c);
/* A command APDU: header (CLA INS P1 P2) and its data field (NULL/0 when none). */
void esim_card_command(esim_card *c, const uint8_t hdr[4], const uint8_t *data, size_t dlen,
                       esim_card_cmd *out);
/* The card's answer to the last command: response data (without SW) and the status word.
 * Applies the effect of SELECT and MANAGE CHANNEL on the channel state. A response without a
 * command before it gives kind OTHER and changes nothing. */
void esim_card_response(esim_card *c, const uint8_t *rsp, size_t rlen, uint16_t sw,
                        esim_card_rsp *out);

/* State of a channel, for display. */
bool esim_card_channel_isd_r(const esim_card *c, int channel);
bool esim_card_channel_ecasd(const esim_card *c, int channel);
bool esim_card_channel_open(const esim_card *c, int channel);
/* Whether anything about the channel's selection is known (a reset, a MANAGE CHANNEL or a
 * SELECT was seen); false at the start of a capture. */
bool esim_card_channel_known(const esim_card *c, int channel);

/* The mid-stream test alone: data is one well-formed ES10 command TLV, or the start of one that
 * continues in later blocks (last = false): a known ES10 tag and a BER length consistent with the
 * block. */
bool esim_card_looks_es10(const uint8_t *data, size_t dlen, bool last);

/* Status words after which a command counts as executed: 90 00, 91 xx (proactive command
 * pending), 61 xx (more data), and for SELECT 62 xx / 63 xx warnings (ISO 7816-4 clause 5.6). */
bool esim_card_sw_done(uint16_t sw);
#endif
