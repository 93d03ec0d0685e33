/* GSMTAP (osmocom, UDP port 4729), version 2 header, and the SIM type that SIMtrace and
 * osmo-remsim use to carry card traffic: ATRs and T=0 exchanges, either one message per exchange
 * (sub-type APDU: header + data + SW1 SW2) or split into header / command body / response body /
 * status word messages (sub-types TPDU_*). */
#ifndef ESIM_GSMTAP_H
#define ESIM_GSMTAP_H
#include <stddef.h>
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/error.h"

#define ESIM_GSMTAP_PORT 4729
#define ESIM_GSMTAP_TYPE_SIM 0x04

/* Sub-types of GSMTAP_TYPE_SIM (libosmocore gsmtap.h). */
enum {
    ESIM_GSMTAP_SIM_APDU = 0x00,     /* whole exchange: header, data, SW1 SW2 */
    ESIM_GSMTAP_SIM_ATR = 0x01,
    ESIM_GSMTAP_SIM_PPS_REQ = 0x02,
    ESIM_GSMTAP_SIM_PPS_RSP = 0x03,
    ESIM_GSMTAP_SIM_TPDU_HDR = 0x04, /* 5-byte command header */
    ESIM_GSMTAP_SIM_TPDU_CMD = 0x05, /* command data */
    ESIM_GSMTAP_SIM_TPDU_RSP = 0x06, /* response data */
    ESIM_GSMTAP_SIM_TPDU_SW = 0x07,  /* SW1 SW2: ends the exchange */
};

typedef struct esim_gsmtap {
    uint8_t version;
    uint8_t type;
    uint8_t sub_type;
    uint32_t frame_nr;
    const uint8_t *payload;
    size_t payload_len;
} esim_gsmtap;

/* Parses the GSMTAP header (only version 2 is accepted; hdr_len counts
 * 32-bit words, at least 4). */
int esim_gsmtap_parse(const uint8_t *p, size_t len, esim_gsmtap *out, esim_error *err);

/* Feeds GSMTAP-SIM messages of one card into an APDU context. */
typedef struct esim_gsmtap_sim esim_gsmtap_sim;
esim_gsmtap_sim *esim_gsmtap_sim_new(esim_apdu_ctx *apdu);
void esim_gsmtap_sim_free(esim_gsmtap_sim *s);
/* Returns 0, or -1 for a malformed message (err; the stream stays usable). Messages that are not
 * of type SIM or carry PPS are ignored. */
int esim_gsmtap_sim_feed(esim_gsmtap_sim *s, uint64_t frame, int64_t sec, uint32_t nsec,
                         const esim_gsmtap *g, esim_error *err);
#endif
