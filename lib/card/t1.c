/* ISO/IEC 7816-3 T=1 blocks and their chaining (see t1.h). */
#include <stdio.h>
#include <string.h>
#include "esim/t1.h"

uint8_t esim_t1_lrc(const uint8_t *d, size_t n)
{
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= d[i];
    return x;
}

uint16_t esim_t1_crc(const uint8_t *d, size_t n)
{
    uint16_t c = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0x8408) : (uint16_t)(c >> 1);
    }
    return c;
}

bool esim_t1_parse(const uint8_t *d, size_t n, size_t edc_size, esim_t1_block *b)
{
    memset(b, 0, sizeof *b);
    if (n < 3)
        return false;
    if (edc_size != 2)
        edc_size = 1;
    b->nad = d[0];
    b->pcb = d[1];
    b->len = d[2];
    b->nad_ok = (b->nad & 0x88) == 0;
    uint8_t pcb = b->pcb;
    if (!(pcb & 0x80)) {
        b->type = ESIM_T1_I;
        b->seq = (pcb >> 6) & 1;
        b->more = (pcb & 0x20) != 0;
        b->pcb_ok = (pcb & 0x1F) == 0;
    } else if ((pcb & 0xC0) == 0x80) {
        b->type = ESIM_T1_R;
        b->seq = (pcb >> 4) & 1;
        b->r_error = pcb & 0x03;
        /* 10 0 N(R) 00 error; an R-block has no INF */
        b->pcb_ok = (pcb & 0x2C) == 0 && b->r_error <= 2 && b->len == 0;
    } else {
        b->type = ESIM_T1_S;
        b->s_response = (pcb & 0x20) != 0;
        b->s_fn = pcb & 0x1F;
        b->pcb_ok = b->s_fn <= ESIM_T1_VPP_ERROR;
    }
    b->inf_off = 3;
    size_t avail = n - 3;
    b->inf_len = b->len < avail ? b->len : avail;
    b->edc_off = 3 + b->inf_len;
    size_t left = n - b->edc_off;
    b->edc_len = left >= edc_size ? edc_size : 0;
    b->len_ok = b->len != 0xFF && n == 3u + b->len + edc_size;
    if (b->edc_len == 1) {
        b->edc = d[b->edc_off];
        b->edc_calc = esim_t1_lrc(d, b->edc_off);
    } else if (b->edc_len == 2) {
        b->edc = (uint16_t)(d[b->edc_off] << 8 | d[b->edc_off + 1]);
        b->edc_calc = esim_t1_crc(d, b->edc_off);
    }
    b->edc_ok = b->edc_len && b->edc == b->edc_calc;
    return true;
}

bool esim_t1_valid(const esim_t1_block *b)
{
    return b->nad_ok && b->pcb_ok && b->len_ok && b->edc_ok;
}

bool esim_t1_looks_like(const uint8_t *d, size_t n)
{
    esim_t1_block b;
    return esim_t1_parse(d, n, 1, &b) && esim_t1_valid(&b);
}

const char *esim_t1_sfn_name(uint8_t fn)
{
    static const char *names[] = {"RESYNCH", "IFS", "ABORT", "WTX", "VPP error"};
    return fn <= ESIM_T1_VPP_ERROR ? names[fn] : "reserved";
}

void esim_t1_describe(const esim_t1_block *b, const uint8_t *d, char *out, size_t cap)
{
    static const char *r_err[] = {"", ", EDC/parity error", ", other error", ", reserved error"};
    switch (b->type) {
    case ESIM_T1_I:
        snprintf(out, cap, "I(%u%s) %u bytes", b->seq, b->more ? ", M" : "", b->len);
        break;
    case ESIM_T1_R:
        snprintf(out, cap, "R(%u%s)", b->seq, r_err[b->r_error & 3]);
        break;
    case ESIM_T1_S:
        if ((b->s_fn == ESIM_T1_IFS || b->s_fn == ESIM_T1_WTX) && b->len == 1 && b->inf_len == 1)
            snprintf(out, cap, "S(%s %s) %u", esim_t1_sfn_name(b->s_fn),
                     b->s_response ? "response" : "request", d[b->inf_off]);
        else
            snprintf(out, cap, "S(%s %s)", esim_t1_sfn_name(b->s_fn),
                     b->s_response ? "response" : "request");
        break;
    }
}

static void drop_chains(esim_t1_link *l)
{
    l->cmd_ns = l->rsp_ns = -1;
    l->cmd_blocks = l->rsp_blocks = 0;
    l->cmd_done = false;
}

void esim_t1_link_init(esim_t1_link *l)
{
    memset(l, 0, sizeof *l);
    drop_chains(l);
}

/* Next position in a chain; an I-block with the N(S) of the previous one is a retransmission
 * (after an R-block NAK) and takes its place. */
static uint32_t chain_index(int *last_ns, uint32_t *blocks, uint8_t ns, bool *again)
{
    *again = *last_ns == ns;
    *last_ns = ns;
    if (*again)
        return *blocks - 1;
    return (*blocks)++;
}

esim_t1_step esim_t1_from_terminal(esim_t1_link *l, const esim_t1_block *b)
{
    esim_t1_step st = {0};
    if (b->type == ESIM_T1_S && b->s_fn == ESIM_T1_RESYNCH && !b->s_response) {
        drop_chains(l);
        st.resync = true;
        return st;
    }
    if (b->type != ESIM_T1_I)
        return st; /* R-block asking for the card's next block, S(WTX/IFS response) */
    if (l->cmd_done) {
        /* the card NAKed the last block and the terminal sends it again, or a new command
         * starts and the previous exchange never completed */
        if (b->seq == l->cmd_ns && l->rsp_ns < 0)
            l->cmd_done = false;
        else
            drop_chains(l);
    }
    if (l->cmd_ns < 0 && l->cmd_blocks == 0)
        l->exchange++;
    st.part = ESIM_T1_COMMAND;
    st.exchange = l->exchange;
    st.index = chain_index(&l->cmd_ns, &l->cmd_blocks, b->seq, &st.retransmission);
    st.last = !b->more;
    l->cmd_done = !b->more; /* more: the card answers with R(N(R)) */
    return st;
}

esim_t1_step esim_t1_from_card(esim_t1_link *l, const esim_t1_block *b)
{
    esim_t1_step st = {0};
    /* R-block (NAK: the terminal retransmits), S(WTX/IFS request): the exchange goes on */
    if (!l->cmd_done || b->type != ESIM_T1_I)
        return st;
    st.part = ESIM_T1_RESPONSE;
    st.exchange = l->exchange;
    st.index = chain_index(&l->rsp_ns, &l->rsp_blocks, b->seq, &st.retransmission);
    st.last = !b->more; /* more: the terminal will send R(N(R)) */
    if (st.last)
        drop_chains(l);
    return st;
}
