/* APDU layer: turns the command/response transfers seen on a card interface (from GSMTAP-SIM,
 * USB CCID, ...) into events: one per logical exchange (T=0 GET RESPONSE and 6Cxx re-issue folded
 * into the command they belong to), per reassembled ES10 command (STORE DATA chaining on the
 * ISD-R channel, SGP.22 section 5.7.2), plus ATRs and findings. It tracks logical channels
 * (ISO 7816-4 / TS 102 221 CLA coding, MANAGE CHANNEL) and what each channel has selected.
 * One context per card. */
#ifndef ESIM_APDU_H
#define ESIM_APDU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/error.h"

#define ESIM_APDU_CHANNELS 20         /* basic + 3 (CLA 0X/8X/AX) + 16 extended (CLA 4X/6X/CX/EX) */
#define ESIM_APDU_MAX_REASSEMBLY (1u << 20) /* bytes per reassembled response or ES10 command */

extern const uint8_t esim_aid_isd_r[16]; /* A0000005591010FFFFFFFF8900000100 */
extern const uint8_t esim_aid_ecasd[16]; /* A0000005591010FFFFFFFF8900000200 */

typedef enum {
    ESIM_APDU_EV_ATR,     /* card reset: data = ATR (cmd_data) */
    ESIM_APDU_EV_APDU,    /* one command with its complete response */
    ESIM_APDU_EV_ES10,    /* a complete ES10 command (all STORE DATA blocks) and its response */
    ESIM_APDU_EV_FINDING, /* something wrong in the exchange sequence: text says what */
} esim_apdu_ev_type;

typedef struct esim_apdu_event {
    esim_apdu_ev_type type;
    uint64_t frame_first, frame_last; /* capture frames the event was built from */
    uint64_t frame_cmd;               /* ES10: the frame with the last STORE DATA block, where
                                       * Wireshark shows the reassembled command (frame_last:
                                       * where it shows the complete response) */
    int64_t ts_sec;                   /* time of frame_first */
    uint32_t ts_nsec;
    uint8_t cla, ins, p1, p2;         /* of the command (ES10: of the last STORE DATA) */
    uint8_t channel;                  /* logical channel from CLA (0..19) */
    bool isd_r, ecasd;                /* the channel had the ISD-R / ECASD selected */
    bool isdr_assumed;                /* ... the ISD-R by the mid-stream rule (card.h), no SELECT */
    bool es10_block;                  /* APDU: a STORE DATA block of an ES10 command */
    bool note;                        /* FINDING: an assumption stated, not a fault */
    const uint8_t *cmd_data;          /* command data (ES10: all blocks joined; ATR: the ATR) */
    size_t cmd_len;
    const uint8_t *rsp_data;          /* complete response data, without SW1 SW2 */
    size_t rsp_len;
    uint16_t sw;                      /* final status word (0 for ATR/finding) */
    unsigned get_responses;           /* GET RESPONSE exchanges folded into this event */
    unsigned blocks;                  /* ES10: number of STORE DATA blocks */
    bool reissued;                    /* the command was re-sent after 6Cxx (folded) */
    const char *ins_name;
    const char *text;                 /* SW meaning (APDU/ES10) or the finding */
} esim_apdu_event;

/* Called for each event; pointers in ev are valid during the call only. */
typedef void (*esim_apdu_cb)(const esim_apdu_event *ev, void *user);

typedef struct esim_apdu_ctx esim_apdu_ctx;

esim_apdu_ctx *esim_apdu_new(esim_apdu_cb cb, void *user);
void esim_apdu_free(esim_apdu_ctx *c);

/* A full command APDU (ISO 7816-3 cases 1-4, short or extended) seen in frame (at sec/nsec) and
 * the response data + SW1 SW2 (rsp_len >= 2) seen in frame_rsp. Malformed input becomes a
 * finding, never a failure. */
void esim_apdu_feed(esim_apdu_ctx *c, uint64_t frame, uint64_t frame_rsp, int64_t sec,
                    uint32_t nsec, const uint8_t *cmd, size_t cmd_len, const uint8_t *rsp,
                    size_t rsp_len);
/* A T=0 exchange seen on the wire as one message: 5-byte header, the data bytes, SW1 SW2 (as
 * SIMtrace sends it in GSMTAP-SIM). Which data bytes were command data depends on the
 * instruction (see esim_apdu_t0_split). Returns -1 when too short to hold header + SW. */
int esim_apdu_feed_t0(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec,
                      const uint8_t *msg, size_t len, esim_error *err);
/* The ISD-R's AID when it is not SGP.22's default (card.h). */
void esim_apdu_set_isdr_aid(esim_apdu_ctx *c, const uint8_t *aid, size_t len);
/* Card reset with its ATR: every channel but the basic one closed, nothing selected. */
void esim_apdu_atr(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec,
                   const uint8_t *atr, size_t len);
/* End of input: emits an exchange still waiting for GET RESPONSE and reports an unfinished
 * STORE DATA chain. */
void esim_apdu_flush(esim_apdu_ctx *c);

/* The body of a command APDU (ISO 7816-3 clause 12.1: cases 1 to 4, short or extended):
 * where its data field is and the Le it asks for. Returns false when the body matches no case
 * (the data field is then unknown). */
typedef struct esim_apdu_body {
    size_t data_off, data_len; /* data field (0, 0 when none): offset 5 short, 7 extended */
    bool extended;             /* extended length fields */
    bool has_le;
    uint32_t le;               /* Le as a count (short 00 = 256, extended 0000 = 65536) */
} esim_apdu_body;
bool esim_apdu_parse_body(const uint8_t *cmd, size_t cmd_len, esim_apdu_body *out);

/* Splits a T=0 message (header + data + SW, len >= 7) into command length (5 + command data)
 * and the rest (response data + SW). TS 102 221 clause 7.2.2 / ISO 7816-3 clause 12.2: in a T=0
 * TPDU P3 is Lc for cases 3/4 (data to the card) and Le for case 2 (data from the card); only
 * the instruction tells which (table in apdu_names.c). Unknown instructions are taken as case 3
 * when the data length does not exceed P3, else as case 2. Returns the command length. */
size_t esim_apdu_t0_split(const uint8_t *msg, size_t len);
/* Logical channel of a CLA byte (ISO 7816-4 clause 5.4.1, TS 102 221 clause 10.1.1); -1 for
 * CLA FF (PPS) or other values with no channel coding. */
int esim_apdu_channel(uint8_t cla);
#endif
