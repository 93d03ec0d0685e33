/* QMI over QMUX (Qualcomm MSM Interface, as carried by Linux qmi_wwan / cdc-wdm in CDC
 * encapsulated messages) and its UIM service (0x0B): SEND_APDU (0x003B), LOGICAL_CHANNEL
 * (0x003F, open with an AID or close a channel) and OPEN_LOGICAL_CHANNEL (0x0042), with the
 * result TLV (0x02) of each response. Requests and responses are paired by client id and
 * transaction id; the slot TLV (0x01) says which card (each slot is its own card).
 * TLV ids from the QMI UIM message definitions as libqmi 1.36 publishes them
 * (data/qmi-service-uim.json): SEND_APDU: 01 slot, 02 APDU (UINT16 length + bytes), 10 channel
 * id; response 10 APDU response (UINT16 length + bytes, SW1 SW2 included). (OPEN_)LOGICAL_CHANNEL:
 * 01 slot, 10 AID (UINT8 length + bytes), 11 channel id to close (LOGICAL_CHANNEL) / FCI
 * (OPEN_LOGICAL_CHANNEL); response 10 channel id, 11 card result (SW1, SW2), 12 select response
 * (UINT8 length + bytes). */
#ifndef ESIM_QMI_H
#define ESIM_QMI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/error.h"

enum { ESIM_QMI_SERVICE_CTL = 0x00, ESIM_QMI_SERVICE_UIM = 0x0B };
enum {
    ESIM_QMI_UIM_RESET = 0x0000, ESIM_QMI_UIM_POWER_OFF_SIM = 0x0030,
    ESIM_QMI_UIM_POWER_ON_SIM = 0x0031, ESIM_QMI_UIM_SEND_APDU = 0x003B,
    ESIM_QMI_UIM_LOGICAL_CHANNEL = 0x003F, ESIM_QMI_UIM_OPEN_LOGICAL_CHANNEL = 0x0042,
};
enum { ESIM_QMI_REQUEST = 0x00, ESIM_QMI_RESPONSE = 0x02, ESIM_QMI_INDICATION = 0x04 };

/* One QMUX message: I/F type 01, length, control flags, service, client id, then the service
 * header (CTL: flags, 1-byte transaction id; others: flags, 2-byte transaction id), message id,
 * TLV length and the TLVs. */
typedef struct esim_qmux {
    uint16_t length;          /* QMUX length (the message without the I/F type byte) */
    uint8_t sender;           /* control flags: 00 from the host (control point), 80 service */
    uint8_t service, client;
    uint8_t flags;            /* ESIM_QMI_REQUEST / RESPONSE / INDICATION */
    uint16_t tid, msg_id;
    const uint8_t *tlv;       /* the TLVs, tlv_len bytes */
    uint16_t tlv_len;
    size_t tlv_off;           /* offset of the TLVs in the message */
} esim_qmux;
/* True when the bytes are one QMUX message (I/F type 1, length = n - 1, valid sender flags). */
bool esim_qmux_looks_like(const uint8_t *d, size_t n);
int esim_qmux_parse(const uint8_t *d, size_t n, esim_qmux *q, esim_error *err);

typedef struct esim_qmi_tlv {
    uint8_t type;
    uint16_t len;
    const uint8_t *v;
    size_t off;               /* of the TLV (type byte) in the TLV area */
} esim_qmi_tlv;
/* Walks the TLVs from *pos (start at 0); false at the end or at a TLV that overruns the area
 * (*bad set then). */
bool esim_qmi_tlv_next(const esim_qmux *q, size_t *pos, esim_qmi_tlv *t, bool *bad);
bool esim_qmi_tlv_find(const esim_qmux *q, uint8_t type, esim_qmi_tlv *t);

const char *esim_qmi_uim_msg_name(uint16_t msg_id);
const char *esim_qmi_error_name(uint16_t error);

/* The fields of a UIM request / response this project reads. */
typedef struct esim_qmi_uim {
    bool has_slot, has_channel, has_result, has_card_result, has_fci;
    uint8_t slot, channel, fci;
    uint16_t result, error;   /* result TLV: 0 success / 1 failure, QMI error code */
    uint16_t sw;              /* card result SW1 SW2 */
    const uint8_t *bytes;     /* APDU, APDU response, AID or select response */
    size_t bytes_len;
    bool close;               /* LOGICAL_CHANNEL request that closes a channel */
} esim_qmi_uim;
int esim_qmi_uim_parse(const esim_qmux *q, esim_qmi_uim *u, esim_error *err);

/* The QMI function of one modem: UIM requests waiting for their responses. */
typedef struct esim_qmi esim_qmi;
/* ctx_of(user, slot) gives the APDU context of the card in a UIM slot (1, 2, ...), NULL to
 * ignore it. */
esim_qmi *esim_qmi_new(esim_apdu_ctx *(*ctx_of)(void *user, unsigned slot), void *user);
void esim_qmi_free(esim_qmi *q);
/* One QMUX message. Returns -1 with err for a malformed or unmatched message or a failed
 * UIM operation (the first problem). */
int esim_qmi_feed(esim_qmi *q, uint64_t frame, int64_t sec, uint32_t nsec, const uint8_t *d,
                  size_t n, esim_error *err);
int esim_qmi_finish(esim_qmi *q, esim_error *err);
#endif
