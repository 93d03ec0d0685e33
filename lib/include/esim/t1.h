/* ISO/IEC 7816-3 clause 11, the T=1 block transmission protocol, as it appears below USB CCID
 * TPDU-level readers: one block per PC_to_RDR_XfrBlock / RDR_to_PC_DataBlock.
 *
 *   block = prologue (NAD, PCB, LEN) | INF (LEN bytes, 0..254) | epilogue (EDC: LRC 1 byte or
 *           CRC 2 bytes)
 *   PCB   I-block 0 N(S) M 00000      information, chained while M = 1
 *         R-block 10 0 N(R) 00 err    receive ready: acknowledges a chained I-block, or NAK
 *         S-block 11 resp 000 fn      RESYNCH, IFS, ABORT, WTX (request / response)
 *
 * Parsing gives every field with its offset (for display) and the checks; the link state
 * follows the I-block chains of both sides and says for each block where its INF goes in the
 * command APDU or the response APDU it belongs to. The CCID reader (ccid.c) buffers the chains
 * itself; the Wireshark plugin hands the same pieces to Wireshark's reassembly. */
#ifndef ESIM_T1_H
#define ESIM_T1_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { ESIM_T1_I = 0, ESIM_T1_R, ESIM_T1_S } esim_t1_type;
/* S-block functions (PCB bits 5..1) */
typedef enum { ESIM_T1_RESYNCH = 0, ESIM_T1_IFS = 1, ESIM_T1_ABORT = 2, ESIM_T1_WTX = 3,
               ESIM_T1_VPP_ERROR = 4 } esim_t1_sfn;

typedef struct esim_t1_block {
    uint8_t nad, pcb, len;     /* prologue as sent (len = LEN byte) */
    esim_t1_type type;
    uint8_t seq;               /* I: N(S), R: N(R) (0/1) */
    bool more;                 /* I: M bit, chaining */
    uint8_t r_error;           /* R: 0 error-free, 1 EDC/parity error, 2 other error, 3 unknown */
    uint8_t s_fn;              /* S: esim_t1_sfn (bits 5..1 of PCB) */
    bool s_response;           /* S: response (b6 = 1) rather than request */
    bool nad_ok;               /* b8 and b4 of NAD zero (VPP control not used) */
    bool pcb_ok;               /* PCB coding valid for its type */
    bool len_ok;               /* LEN != FF and the block is exactly 3 + LEN + EDC bytes */
    size_t inf_off, inf_len;   /* INF: offset 3, the LEN bytes that are there */
    size_t edc_off, edc_len;   /* epilogue where present (edc_len 0 when missing) */
    uint16_t edc, edc_calc;    /* as received, as computed over prologue + INF */
    bool edc_ok;
} esim_t1_block;

/* Parses a block whose epilogue is edc_size bytes (1 LRC, 2 CRC). Returns false only when the
 * prologue is incomplete (< 3 bytes); otherwise fills b with what is there, checks included. */
bool esim_t1_parse(const uint8_t *d, size_t n, size_t edc_size, esim_t1_block *b);
/* Every check passed: NAD, PCB, LEN and EDC. */
bool esim_t1_valid(const esim_t1_block *b);
/* True when the bytes look like one valid T=1 block with an LRC (the usual epilogue): how a
 * reader whose protocol was not negotiated in the capture is recognised. */
bool esim_t1_looks_like(const uint8_t *d, size_t n);
/* The epilogue checks: LRC (XOR of all bytes) and CRC (ISO/IEC 13239 polynomial x^16 + x^12 +
 * x^5 + 1, reflected, initial value FFFF, sent most significant byte first, as host T=1 stacks
 * compute it). */
uint8_t esim_t1_lrc(const uint8_t *d, size_t n);
uint16_t esim_t1_crc(const uint8_t *d, size_t n);
/* "RESYNCH", "IFS", "ABORT", "WTX", "VPP error", "reserved". */
const char *esim_t1_sfn_name(uint8_t fn);
/* One line for a block: "I(0, M)", "R(1)", "R(0, EDC error)", "S(IFS request) 254". */
void esim_t1_describe(const esim_t1_block *b, const uint8_t *d, char *out, size_t cap);

/* Where a block's INF goes. */
typedef enum { ESIM_T1_NONE = 0, ESIM_T1_COMMAND, ESIM_T1_RESPONSE } esim_t1_part;
typedef struct esim_t1_step {
    esim_t1_part part;         /* INF belongs to the command or response APDU, or nowhere */
    uint32_t exchange;         /* number of the command/response exchange (from 1) */
    uint32_t index;            /* position of the INF in its chain; a retransmission repeats the
                                * index of the block it replaces */
    bool retransmission;       /* the block replaces the previous one (same N(S)) */
    bool last;                 /* the APDU is complete with this block */
    bool resync;               /* RESYNCH: the chains were dropped */
} esim_t1_step;

/* The chains of one card (one CCID slot). */
typedef struct esim_t1_link {
    uint32_t exchange;         /* current exchange number, 0 before the first */
    int cmd_ns, rsp_ns;        /* N(S) of the last I-block of each chain, -1 none yet */
    uint32_t cmd_blocks, rsp_blocks;
    bool cmd_done;             /* the command APDU is complete, the response is awaited */
} esim_t1_link;

void esim_t1_link_init(esim_t1_link *l);
/* A block from the terminal (reader) to the card, and one from the card. Blocks must be valid
 * (esim_t1_valid); R-blocks and S-blocks other than RESYNCH only steer the exchange. */
esim_t1_step esim_t1_from_terminal(esim_t1_link *l, const esim_t1_block *b);
esim_t1_step esim_t1_from_card(esim_t1_link *l, const esim_t1_block *b);
#endif
