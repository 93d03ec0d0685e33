/* MBIM (USB NCM MBIM 1.0, clause 9) control messages of a modem and, inside them, the Microsoft
 * "UICC low-level access" device service (UUID C2F6588E-F037-4BC9-8665-F4D44BD09367; CIDs ATR,
 * OPEN_CHANNEL, CLOSE_CHANNEL, APDU, TERMINAL_CAPABILITY, RESET) that LPAs on laptops use to
 * reach the eUICC. Fragmented messages (fragment header: total / current) are put together,
 * answers are matched to their commands by TransactionId, and each UICC operation reaches the
 * card's APDU context as the exchange the modem had with the card (modem_apdu.h).
 * The UICC service's byte arrays are (size, offset) pairs with the offset from the start of the
 * InformationBuffer (the reverse of MBIM's usual offset, size); the status of an answer is the
 * card's SW1, SW2 in the first two bytes of a little-endian UINT32 (9000 reads 0x0090). */
#ifndef ESIM_MBIM_H
#define ESIM_MBIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/error.h"

enum {
    ESIM_MBIM_OPEN = 1, ESIM_MBIM_CLOSE = 2, ESIM_MBIM_COMMAND = 3, ESIM_MBIM_HOST_ERROR = 4,
    ESIM_MBIM_OPEN_DONE = 0x80000001u, ESIM_MBIM_CLOSE_DONE = 0x80000002u,
    ESIM_MBIM_COMMAND_DONE = 0x80000003u, ESIM_MBIM_FUNCTION_ERROR = 0x80000004u,
    ESIM_MBIM_INDICATE_STATUS = 0x80000007u,
};
enum {
    ESIM_MBIM_UICC_ATR = 1, ESIM_MBIM_UICC_OPEN_CHANNEL = 2, ESIM_MBIM_UICC_CLOSE_CHANNEL = 3,
    ESIM_MBIM_UICC_APDU = 4, ESIM_MBIM_UICC_TERMINAL_CAPABILITY = 5, ESIM_MBIM_UICC_RESET = 6,
};
extern const uint8_t esim_mbim_uuid_uicc[16];

/* MBIM_MESSAGE_HEADER (+ MBIM_FRAGMENT_HEADER for COMMAND, COMMAND_DONE, INDICATE_STATUS). */
typedef struct esim_mbim_header {
    uint32_t type, length, tid;
    bool fragmented;            /* the type has a fragment header */
    uint32_t total, current;
} esim_mbim_header;
/* Reads the header of one MBIM transfer; false when n is too short for it. */
bool esim_mbim_header_parse(const uint8_t *d, size_t n, esim_mbim_header *h);
/* True when the transfer is one MBIM control message: a known type, MessageLength = n. */
bool esim_mbim_looks_like(const uint8_t *d, size_t n);
/* Name of a message type / of a UICC CID / of an MBIM status ("?" when unknown). */
const char *esim_mbim_type_name(uint32_t type);
const char *esim_mbim_uicc_cid_name(uint32_t cid);
const char *esim_mbim_status_name(uint32_t status);

/* The body of a whole COMMAND (done = false) or COMMAND_DONE / INDICATE_STATUS (done = true)
 * after its 20 header bytes: service, CID, CommandType or Status, InformationBuffer. */
typedef struct esim_mbim_body {
    const uint8_t *uuid;
    uint32_t cid;
    uint32_t type_or_status;    /* COMMAND: 0 query, 1 set; COMMAND_DONE: MBIM status */
    const uint8_t *info;
    uint32_t info_len;
} esim_mbim_body;
int esim_mbim_body_parse(const uint8_t *b, size_t n, bool done, esim_mbim_body *out,
                         esim_error *err);

/* A UICC low-level access InformationBuffer: the fields its CID has (others 0). */
typedef struct esim_mbim_uicc {
    uint32_t channel, channel_group, select_p2, secure_messaging, class_byte_type;
    uint32_t action;            /* RESET: PassThroughAction / PassThroughStatus */
    bool has_status;
    uint32_t status;            /* as sent: SW1 | SW2 << 8 */
    uint16_t sw;                /* SW1 SW2 */
    const uint8_t *bytes;       /* APDU command / response data, AID, select response, ATR */
    uint32_t bytes_len;
    uint32_t bytes_off;         /* offset in the InformationBuffer (0 when none) */
} esim_mbim_uicc;
/* response: the COMMAND_DONE of a set or query (set = the host's command). */
int esim_mbim_uicc_parse(uint32_t cid, bool response, bool set, const uint8_t *info, size_t n,
                         esim_mbim_uicc *out, esim_error *err);

/* The MBIM function of one modem (USB device / control interface). */
typedef struct esim_mbim esim_mbim;
esim_mbim *esim_mbim_new(esim_apdu_ctx *apdu);
void esim_mbim_free(esim_mbim *m);
/* One encapsulated message (to_device: SEND_ENCAPSULATED_COMMAND, else
 * GET_ENCAPSULATED_RESPONSE). Returns -1 with err for a malformed, incomplete or unmatched
 * message (the first problem); what could be used was used. */
int esim_mbim_feed(esim_mbim *m, uint64_t frame, int64_t sec, uint32_t nsec, bool to_device,
                   const uint8_t *d, size_t n, esim_error *err);
/* End of input: a message whose fragments did not all arrive, commands without answer. */
int esim_mbim_finish(esim_mbim *m, esim_error *err);
#endif
