/* ES10 over USB CCID smart-card readers (CCID rev 1.1): PC_to_RDR_XfrBlock carries the
 * command, the next RDR_to_PC_DataBlock its answer (6.1.4 / 6.2.1). Below them, depending on
 * the reader's exchange level:
 *   - T=0 TPDUs, short or extended APDUs: the command and the response data + SW as they are;
 *   - ISO/IEC 7816-3 T=1 blocks (TPDU-level T=1 readers): NAD PCB LEN INF EDC, the APDUs chained
 *     over I-blocks (M bit) and steered by R- and S-blocks. The block fields, their checks and
 *     the place of each INF in its APDU come from the core (lib/card/t1.c, the slot protocol from
 *     lib/card/ccid.c); the chains are put together with Wireshark's reassembly.
 * Every APDU then goes the ES10 way of packet-esim-es10.c (esim_es10_parts). The reader is
 * found by the USB heuristic on bulk transfers or by Decode As usbccid.subdissector. */
#include <string.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/expert.h>
#include <epan/reassemble.h>
#include <epan/to_str.h>
#include <epan/dissectors/packet-usb.h>
#include "esim/apdu.h"
#include "esim/apdu_names.h"
#include "esim/ccid.h"
#include "esim/t1.h"
#include "packet-esim.h"

#define CCID_HDR 10
#define CCID_ICC_POWER_ON 0x62
#define CCID_XFR_BLOCK 0x6F
#define CCID_DATA_BLOCK 0x80
#define T1_FRAME_KEY 10  /* p_add_proto_data key of the T=1 frame data */

static int hf_t1 = -1, hf_t1_nad = -1, hf_t1_nad_sad = -1, hf_t1_nad_dad = -1, hf_t1_pcb = -1,
           hf_t1_type = -1, hf_t1_ns = -1, hf_t1_more = -1, hf_t1_nr = -1, hf_t1_r_error = -1,
           hf_t1_s_fn = -1, hf_t1_s_response = -1, hf_t1_len = -1, hf_t1_inf = -1,
           hf_t1_ifs = -1, hf_t1_wtx = -1, hf_t1_lrc = -1, hf_t1_crc = -1, hf_t1_edc_status = -1,
           hf_t1_exchange = -1;
static int hf_frags = -1, hf_frag = -1, hf_frag_overlap = -1, hf_frag_overlap_conflict = -1,
           hf_frag_multiple_tails = -1, hf_frag_too_long = -1, hf_frag_error = -1,
           hf_frag_count = -1, hf_reassembled_in = -1, hf_reassembled_length = -1,
           hf_reassembled_data = -1;
static gint ett_t1 = -1, ett_t1_nad = -1, ett_t1_pcb = -1, ett_frag = -1, ett_frags = -1;
static expert_field ei_t1_edc = EI_INIT, ei_t1_len = EI_INIT, ei_t1_pcb = EI_INIT,
                    ei_t1_nad = EI_INIT, ei_t1_no_sw = EI_INIT;

static dissector_handle_t usbccid_handle;
static reassembly_table t1_table;

static const fragment_items t1_frag_items = {
    &ett_frag, &ett_frags, &hf_frags, &hf_frag, &hf_frag_overlap, &hf_frag_overlap_conflict,
    &hf_frag_multiple_tails, &hf_frag_too_long, &hf_frag_error, &hf_frag_count,
    &hf_reassembled_in, &hf_reassembled_length, &hf_reassembled_data, "T=1 I-blocks"};

static const value_string t1_type_vals[] = {
    {ESIM_T1_I, "I-block (information)"},
    {ESIM_T1_R, "R-block (receive ready)"},
    {ESIM_T1_S, "S-block (supervisory)"},
    {0, NULL}};
static const value_string t1_r_error_vals[] = {
    {0, "error-free"}, {1, "EDC or parity error"}, {2, "other error"}, {0, NULL}};
static const value_string t1_s_fn_vals[] = {
    {ESIM_T1_RESYNCH, "RESYNCH"}, {ESIM_T1_IFS, "IFS"}, {ESIM_T1_ABORT, "ABORT"},
    {ESIM_T1_WTX, "WTX"}, {ESIM_T1_VPP_ERROR, "VPP error"}, {0, NULL}};

/* One card slot of a reader (USB bus.device and the CCID bSlot), first pass only: each slot
 * holds its own card, like the core's lib/card/ccid.c. */
typedef struct reader {
    card_state *card;
    esim_ccid_proto proto;     /* core: T=0 / T=1 (negotiated or learned), LRC / CRC */
    esim_t1_link link;         /* core: the I-block chains */
    bool cmd_was_t1;           /* the last command was read as a T=1 block */
    uint8_t slot;              /* bSlot */
} reader;

/* What the first pass decided for a T=1 frame. */
typedef struct t1_frame {
    uint8_t edc_size;
    bool valid;
    esim_t1_step step;
} t1_frame;

static wmem_map_t *readers; /* "bus.device/slot" -> reader, per capture file */

static reader *reader_get(const char *device, uint8_t slot)
{
    char *key = wmem_strdup_printf(wmem_packet_scope(), "%s/%u", device, slot);
    reader *r = (reader *)wmem_map_lookup(readers, key);
    if (!r) {
        r = wmem_new0(wmem_file_scope(), reader);
        r->card = esim_cardview_new();
        esim_cardview_set_slot(r->card, slot);
        esim_ccid_proto_init(&r->proto);
        esim_t1_link_init(&r->link);
        wmem_map_insert(readers, wmem_strdup(wmem_file_scope(), key), r);
        r->slot = slot;
    }
    return r;
}

static reader *reader_of(packet_info *pinfo, uint8_t slot)
{
    char *a = address_to_str(pinfo->pool, &pinfo->src);
    char *b = address_to_str(pinfo->pool, &pinfo->dst);
    char *d = strcmp(a, "host") ? a : b;
    char *dot = strrchr(d, '.');
    if (dot && dot != d)
        *dot = 0;  /* bus.device.endpoint -> bus.device */
    return reader_get(d, slot);
}

/* First pass: reads the block as T=1 when the slot is T=1 or it looks like a T=1 block; then
 * the core's link says where its INF goes. NULL: not a T=1 block. */
static t1_frame *t1_classify(tvbuff_t *tvb, int off, packet_info *pinfo, reader *r,
                             bool to_device)
{
    t1_frame *tf = (t1_frame *)p_get_proto_data(wmem_file_scope(), pinfo, proto_esim,
                                                T1_FRAME_KEY);
    if (tf || PINFO_FD_VISITED(pinfo))
        return tf;
    int n = (int)tvb_captured_length_remaining(tvb, off);
    const uint8_t *d = tvb_get_ptr(tvb, off, n);
    if (!esim_ccid_proto_is_t1(&r->proto, d, (size_t)n)) {
        if (to_device)
            r->cmd_was_t1 = false;
        return NULL;
    }
    tf = wmem_new0(wmem_file_scope(), t1_frame);
    tf->edc_size = r->proto.edc_size;
    esim_t1_block b;
    esim_t1_parse(d, (size_t)n, tf->edc_size, &b);
    tf->valid = esim_t1_valid(&b);
    if (tf->valid) {
        if (to_device) {
            tf->step = esim_t1_from_terminal(&r->link, &b);
        } else {
            if (r->cmd_was_t1)
                esim_ccid_proto_learn_t1(&r->proto);
            tf->step = esim_t1_from_card(&r->link, &b);
        }
    }
    if (to_device)
        r->cmd_was_t1 = tf->valid;
    p_add_proto_data(wmem_file_scope(), pinfo, proto_esim, T1_FRAME_KEY, tf);
    return tf;
}

/* The block's fields with their bytes and checks; returns the one-line description. */
static const char *t1_fields(tvbuff_t *tvb, int off, packet_info *pinfo, proto_tree *tree,
                             const t1_frame *tf, esim_t1_block *b, proto_item **bi)
{
    int n = (int)tvb_captured_length_remaining(tvb, off);
    const uint8_t *d = tvb_get_ptr(tvb, off, n);
    esim_t1_parse(d, (size_t)n, tf->edc_size, b);
    char *desc = (char *)wmem_alloc(pinfo->pool, 96);
    esim_t1_describe(b, d, desc, 96);
    *bi = proto_tree_add_none_format(tree, hf_t1, tvb, off, n, "T=1 block: %s", desc);
    proto_tree *bt = proto_item_add_subtree(*bi, ett_t1);

    proto_item *ni = proto_tree_add_item(bt, hf_t1_nad, tvb, off, 1, ENC_NA);
    proto_tree *nt = proto_item_add_subtree(ni, ett_t1_nad);
    proto_tree_add_item(nt, hf_t1_nad_sad, tvb, off, 1, ENC_NA);
    proto_tree_add_item(nt, hf_t1_nad_dad, tvb, off, 1, ENC_NA);
    if (!b->nad_ok)
        expert_add_info_format(pinfo, ni, &ei_t1_nad, "T=1 NAD %02X: bits 8 and 4 (VPP) set",
                               b->nad);

    proto_item *pi = proto_tree_add_item(bt, hf_t1_pcb, tvb, off + 1, 1, ENC_NA);
    proto_tree *pt = proto_item_add_subtree(pi, ett_t1_pcb);
    proto_tree_add_uint(pt, hf_t1_type, tvb, off + 1, 1, b->type);
    switch (b->type) {
    case ESIM_T1_I:
        proto_tree_add_uint(pt, hf_t1_ns, tvb, off + 1, 1, b->seq);
        proto_tree_add_boolean(pt, hf_t1_more, tvb, off + 1, 1, b->more);
        break;
    case ESIM_T1_R:
        proto_tree_add_uint(pt, hf_t1_nr, tvb, off + 1, 1, b->seq);
        proto_tree_add_uint(pt, hf_t1_r_error, tvb, off + 1, 1, b->r_error);
        break;
    case ESIM_T1_S:
        proto_tree_add_uint(pt, hf_t1_s_fn, tvb, off + 1, 1, b->s_fn);
        proto_tree_add_boolean(pt, hf_t1_s_response, tvb, off + 1, 1, b->s_response);
        break;
    }
    if (!b->pcb_ok)
        expert_add_info_format(pinfo, pi, &ei_t1_pcb, "T=1 PCB %02X: invalid coding for an %s",
                               b->pcb, val_to_str_const(b->type, t1_type_vals, "?"));

    proto_item *li = proto_tree_add_item(bt, hf_t1_len, tvb, off + 2, 1, ENC_NA);
    if (!b->len_ok) {
        if (b->len == 0xFF)
            expert_add_info_format(pinfo, li, &ei_t1_len, "T=1 LEN FF is reserved");
        else if ((size_t)b->len > b->inf_len)
            expert_add_info_format(pinfo, li, &ei_t1_len, "T=1 LEN %u runs past the end of the "
                                   "block (%d bytes after the prologue)", b->len, n - 3);
        else
            expert_add_info_format(pinfo, li, &ei_t1_len, "T=1 LEN %u: %d bytes after the "
                                   "epilogue", b->len,
                                   n - 3 - (int)b->inf_len - (int)b->edc_len);
    }
    if (b->inf_len) {
        proto_tree_add_item(bt, hf_t1_inf, tvb, off + 3, (int)b->inf_len, ENC_NA);
        if (b->type == ESIM_T1_S && b->inf_len == 1 && b->s_fn == ESIM_T1_IFS)
            proto_tree_add_item(bt, hf_t1_ifs, tvb, off + 3, 1, ENC_NA);
        else if (b->type == ESIM_T1_S && b->inf_len == 1 && b->s_fn == ESIM_T1_WTX)
            proto_tree_add_item(bt, hf_t1_wtx, tvb, off + 3, 1, ENC_NA);
    }
    if (b->edc_len) {
        proto_tree_add_checksum(bt, tvb, (guint)(off + (int)b->edc_off),
                                b->edc_len == 1 ? hf_t1_lrc : hf_t1_crc, hf_t1_edc_status,
                                &ei_t1_edc, pinfo, b->edc_calc, ENC_BIG_ENDIAN,
                                PROTO_CHECKSUM_VERIFY);
    } else {
        proto_item *ei = proto_tree_add_checksum(bt, tvb, 0, hf_t1_lrc, hf_t1_edc_status,
                                                 &ei_t1_edc, pinfo, 0, ENC_NA,
                                                 PROTO_CHECKSUM_NO_FLAGS);
        expert_add_info_format(pinfo, ei, &ei_t1_edc, "T=1 epilogue (EDC) missing");
    }
    if (tf->step.part != ESIM_T1_NONE)
        proto_item_set_generated(proto_tree_add_uint(bt, hf_t1_exchange, tvb, off, 0,
                                                     tf->step.exchange));
    return desc;
}

/* One T=1 block of a reader (tvb from off: the block; ccid_tvb: the whole CCID message when the
 * heuristic found it, for Wireshark's CCID dissector). Returns false when it is no T=1 block. */
static bool dissect_t1(tvbuff_t *tvb, int off, packet_info *pinfo, proto_tree *tree, reader *r,
                       bool to_device, tvbuff_t *ccid_tvb, void *usb_data)
{
    t1_frame *tf = t1_classify(tvb, off, pinfo, r, to_device);
    if (!tf)
        return false;
    if (ccid_tvb)
        call_dissector_with_data(usbccid_handle, ccid_tvb, pinfo, tree, usb_data);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "eSIM");
    proto_item *ti = proto_tree_add_item(tree, proto_esim, tvb, off, -1, ENC_NA);
    proto_tree *et = proto_item_add_subtree(ti, ett_esim);
    esim_t1_block b;
    proto_item *bi;
    proto_item_set_generated(proto_tree_add_uint(et, hf_esim_ccid_slot, tvb, 0, 0, r->slot));
    const char *desc = t1_fields(tvb, off, pinfo, et, tf, &b, &bi);
    proto_tree *bt = proto_item_get_subtree(bi);
    if (!tf->valid)
        proto_item_append_text(bi, " [malformed]");

    const esim_t1_step *st = &tf->step;
    tvbuff_t *apdu = NULL;
    if (st->retransmission) {
        /* the same block again after an R-block NAK: its INF is in the chain already */
    } else if (st->part != ESIM_T1_NONE && st->index == 0 && st->last) {
        apdu = tvb_new_subset_length(tvb, off + (int)b.inf_off, (int)b.inf_len); /* unchained */
    } else if (st->part != ESIM_T1_NONE) {
        tvbuff_t *inf = tvb_new_subset_length(tvb, off + (int)b.inf_off, (int)b.inf_len);
        /* the reader's address keys the table; the slot goes into the id */
        guint32 id = (st->exchange * 2 + (st->part == ESIM_T1_RESPONSE)) << 8 | r->slot;
        fragment_head *fh = fragment_add_seq(&t1_table, inf, 0, pinfo, id, NULL, st->index,
                                             (guint32)b.inf_len, !st->last, 0);
        apdu = process_reassembled_data(inf, 0, pinfo,
                                        st->part == ESIM_T1_COMMAND ? "T=1 command APDU"
                                                                    : "T=1 response APDU",
                                        fh, &t1_frag_items, NULL, bt);
    }
    bool es10 = false;
    const char *what = NULL;
    char text[160];
    text[0] = 0;
    if (apdu) {
        int n = (int)tvb_reported_length(apdu);
        if (st->part == ESIM_T1_COMMAND && n >= 4) {
            es10 = esim_es10_parts(apdu, pinfo, tree, r->card, 0, n, 0, 0, -1, NULL, NULL, ti);
            snprintf(text, sizeof text, "%02X %02X %02X %02X %s",
                     tvb_get_guint8(apdu, 0), tvb_get_guint8(apdu, 1), tvb_get_guint8(apdu, 2),
                     tvb_get_guint8(apdu, 3),
                     esim_ins_name(tvb_get_guint8(apdu, 1), tvb_get_guint8(apdu, 2)));
        } else if (st->part == ESIM_T1_RESPONSE && n >= 2) {
            es10 = esim_es10_parts(apdu, pinfo, tree, r->card, 0, 0, 0, n - 2, n - 2, NULL, NULL,
                                   ti);
            char m[96];
            uint16_t sw = tvb_get_ntohs(apdu, n - 2);
            snprintf(text, sizeof text, "response SW %04X %s", sw, esim_sw_meaning(sw, m, sizeof m));
        } else if (st->part == ESIM_T1_RESPONSE) {
            expert_add_info_format(pinfo, bi, &ei_t1_no_sw,
                                   "T=1 response APDU of %d bytes has no status word", n);
        }
        what = text;
    } else if (st->part != ESIM_T1_NONE) {
        what = st->retransmission ? "retransmission" : "chained, more follows";
    } else if (!tf->valid) {
        what = "malformed";
    }
    if (es10) {
        col_append_fstr(pinfo->cinfo, COL_INFO, " [T=1 %s]", desc);
        /* the slot was added to the Info by the ES10 part */
    } else {
        col_clear(pinfo->cinfo, COL_INFO);
        col_add_fstr(pinfo->cinfo, COL_INFO, "T=1 %s%s%s%s", desc, what ? " (" : "",
                     what ? what : "", what ? ")" : "");
        proto_item_append_text(ti, ": T=1 %s", desc);
        if (r->slot)
            col_append_fstr(pinfo->cinfo, COL_INFO, " (slot %u)", r->slot);
    }
    return true;
}

/* Heuristic on USB bulk data: CCID messages of a reader. Parameters and power-on messages only
 * update the reader's protocol (first pass) and go on to Wireshark's CCID dissector; XfrBlock /
 * DataBlock are T=1 blocks or APDUs / TPDUs for the ES10 part. */
static gboolean heur_usb_bulk(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    int len = (int)tvb_captured_length(tvb);
    if (len < CCID_HDR || len != (int)tvb_reported_length(tvb))
        return FALSE;
    uint8_t type = tvb_get_guint8(tvb, 0);
    bool to_device = type < 0x80;
    const uint8_t *m = tvb_get_ptr(tvb, 0, len);
    if (!esim_ccid_looks_like(m, (size_t)len, to_device))
        return FALSE;
    reader *r = reader_of(pinfo, tvb_get_guint8(tvb, 5));
    if (!PINFO_FD_VISITED(pinfo)) {
        esim_ccid_proto_message(&r->proto, to_device, m, (size_t)len);
        if (type == CCID_ICC_POWER_ON) {
            esim_t1_link_init(&r->link);
            esim_cardview_reset(r->card);
        }
    }
    if (type != CCID_XFR_BLOCK && type != CCID_DATA_BLOCK)
        return FALSE;
    int n = len - CCID_HDR;
    if (n >= 3 && dissect_t1(tvb, CCID_HDR, pinfo, tree, r, to_device, tvb, data))
        return TRUE;
    if (n < 2 || (to_device && n < 5))
        return FALSE;
    return to_device ? esim_es10_parts(tvb, pinfo, tree, r->card, CCID_HDR, n, 0, 0, -1,
                                       usbccid_handle, data, NULL)
                     : esim_es10_parts(tvb, pinfo, tree, r->card, 0, 0, CCID_HDR, n - 2, len - 2,
                                       usbccid_handle, data, NULL);
}

/* The bSlot of the CCID message around a payload handed on by Wireshark's CCID dissector: its
 * 10-byte header sits just before the payload in the frame (XfrBlock or DataBlock, dwLength =
 * the payload's length); 0 when it cannot be found. */
static uint8_t ccid_slot_of_payload(tvbuff_t *tvb)
{
    tvbuff_t *ds = tvb_get_ds_tvb(tvb);
    int off = tvb_raw_offset(tvb);
    if (!ds || ds == tvb || off < CCID_HDR ||
        (guint)off + tvb_reported_length(tvb) > tvb_captured_length(ds))
        return 0;
    int h = off - CCID_HDR;
    uint8_t type = tvb_get_guint8(ds, h);
    if ((type != CCID_XFR_BLOCK && type != CCID_DATA_BLOCK) ||
        tvb_get_letohl(ds, h + 1) != tvb_reported_length(tvb))
        return 0;
    return tvb_get_guint8(ds, h + 5);
}

/* Decode As on usbccid.subdissector: the CCID payload only (abData), direction and device from
 * the USB conversation data the CCID dissector passes on. Other payloads go to "data". */
static int dissect_ccid_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    usb_conv_info_t *u = (usb_conv_info_t *)data;
    int len = (int)tvb_captured_length(tvb);
    bool done = false;
    if (u && len >= 2 && len == (int)tvb_reported_length(tvb)) {
        char dev[32];
        snprintf(dev, sizeof dev, "%u.%u", u->bus_id, u->device_address);
        reader *r = reader_get(dev, ccid_slot_of_payload(tvb));
        bool to_device = u->direction == P2P_DIR_SENT;
        if (len >= 3 && dissect_t1(tvb, 0, pinfo, tree, r, to_device, NULL, NULL))
            done = true;
        else if (to_device)
            done = len >= 5 &&
                   esim_es10_parts(tvb, pinfo, tree, r->card, 0, len, 0, 0, -1, NULL, NULL, NULL);
        else
            done = esim_es10_parts(tvb, pinfo, tree, r->card, 0, 0, 0, len - 2, len - 2, NULL,
                                   NULL, NULL);
    }
    if (!done)
        call_data_dissector(tvb, pinfo, tree);
    return len;
}

void esim_register_ccid(void)
{
    static hf_register_info hf[] = {
        {&hf_t1, {"T=1 block", "esim.t1", FT_NONE, BASE_NONE, NULL, 0x0,
                  "ISO/IEC 7816-3 T=1 block", HFILL}},
        {&hf_t1_nad, {"NAD", "esim.t1.nad", FT_UINT8, BASE_HEX, NULL, 0x0,
                      "Node address", HFILL}},
        {&hf_t1_nad_sad, {"SAD", "esim.t1.nad.sad", FT_UINT8, BASE_DEC, NULL, 0x07,
                          "Source node address", HFILL}},
        {&hf_t1_nad_dad, {"DAD", "esim.t1.nad.dad", FT_UINT8, BASE_DEC, NULL, 0x70,
                          "Destination node address", HFILL}},
        {&hf_t1_pcb, {"PCB", "esim.t1.pcb", FT_UINT8, BASE_HEX, NULL, 0x0,
                      "Protocol control byte", HFILL}},
        {&hf_t1_type, {"Block type", "esim.t1.type", FT_UINT8, BASE_DEC, VALS(t1_type_vals),
                       0x0, NULL, HFILL}},
        {&hf_t1_ns, {"N(S)", "esim.t1.ns", FT_UINT8, BASE_DEC, NULL, 0x0,
                     "Send sequence number of the I-block", HFILL}},
        {&hf_t1_more, {"More data (M)", "esim.t1.more", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
                       "Chaining: the APDU continues in the next I-block", HFILL}},
        {&hf_t1_nr, {"N(R)", "esim.t1.nr", FT_UINT8, BASE_DEC, NULL, 0x0,
                     "Sequence number of the I-block expected next", HFILL}},
        {&hf_t1_r_error, {"R-block status", "esim.t1.r_error", FT_UINT8, BASE_DEC,
                          VALS(t1_r_error_vals), 0x0, NULL, HFILL}},
        {&hf_t1_s_fn, {"S-block function", "esim.t1.s_function", FT_UINT8, BASE_DEC,
                       VALS(t1_s_fn_vals), 0x0, NULL, HFILL}},
        {&hf_t1_s_response, {"S-block response", "esim.t1.s_response", FT_BOOLEAN, BASE_NONE,
                             NULL, 0x0, "Response (else request)", HFILL}},
        {&hf_t1_len, {"LEN", "esim.t1.len", FT_UINT8, BASE_DEC, NULL, 0x0,
                      "Length of the information field", HFILL}},
        {&hf_t1_inf, {"INF", "esim.t1.inf", FT_BYTES, BASE_NONE, NULL, 0x0,
                      "Information field", HFILL}},
        {&hf_t1_ifs, {"IFS", "esim.t1.ifs", FT_UINT8, BASE_DEC, NULL, 0x0,
                      "Information field size offered", HFILL}},
        {&hf_t1_wtx, {"WTX multiplier", "esim.t1.wtx", FT_UINT8, BASE_DEC, NULL, 0x0,
                      "Waiting time extension (BWT multiplier)", HFILL}},
        {&hf_t1_lrc, {"LRC", "esim.t1.lrc", FT_UINT8, BASE_HEX, NULL, 0x0,
                      "Epilogue: longitudinal redundancy check", HFILL}},
        {&hf_t1_crc, {"CRC", "esim.t1.crc", FT_UINT16, BASE_HEX, NULL, 0x0,
                      "Epilogue: cyclic redundancy check", HFILL}},
        {&hf_t1_edc_status, {"EDC status", "esim.t1.edc.status", FT_UINT8, BASE_NONE,
                             VALS(proto_checksum_vals), 0x0, NULL, HFILL}},
        {&hf_t1_exchange, {"Exchange", "esim.t1.exchange", FT_UINT32, BASE_DEC, NULL, 0x0,
                           "Number of the command/response exchange the INF belongs to",
                           HFILL}},
        {&hf_frags, {"T=1 I-blocks", "esim.t1.fragments", FT_NONE, BASE_NONE, NULL, 0x0, NULL,
                     HFILL}},
        {&hf_frag, {"I-block", "esim.t1.fragment", FT_FRAMENUM, BASE_NONE, NULL, 0x0, NULL,
                    HFILL}},
        {&hf_frag_overlap, {"Overlap", "esim.t1.fragment.overlap", FT_BOOLEAN, BASE_NONE, NULL,
                            0x0, NULL, HFILL}},
        {&hf_frag_overlap_conflict, {"Conflicting data", "esim.t1.fragment.overlap.conflicts",
                                     FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_frag_multiple_tails, {"Multiple last blocks", "esim.t1.fragment.multipletails",
                                   FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_frag_too_long, {"Too long", "esim.t1.fragment.toolongfragment", FT_BOOLEAN,
                             BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_frag_error, {"Reassembly error", "esim.t1.fragment.error", FT_FRAMENUM, BASE_NONE,
                          NULL, 0x0, NULL, HFILL}},
        {&hf_frag_count, {"I-block count", "esim.t1.fragment.count", FT_UINT32, BASE_DEC, NULL,
                          0x0, NULL, HFILL}},
        {&hf_reassembled_in, {"APDU reassembled in", "esim.t1.reassembled.in", FT_FRAMENUM,
                              BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_reassembled_length, {"APDU length", "esim.t1.reassembled.length", FT_UINT32,
                                  BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_reassembled_data, {"APDU", "esim.t1.reassembled.data", FT_BYTES, BASE_NONE, NULL,
                                0x0, NULL, HFILL}},
    };
    static gint *ett[] = {&ett_t1, &ett_t1_nad, &ett_t1_pcb, &ett_frag, &ett_frags};
    static ei_register_info ei[] = {
        {&ei_t1_edc, {"esim.t1.edc.bad", PI_CHECKSUM, PI_ERROR, "T=1 EDC does not check",
                      EXPFILL}},
        {&ei_t1_len, {"esim.t1.len.bad", PI_MALFORMED, PI_ERROR,
                      "T=1 LEN does not match the block", EXPFILL}},
        {&ei_t1_pcb, {"esim.t1.pcb.bad", PI_MALFORMED, PI_ERROR, "T=1 PCB coding invalid",
                      EXPFILL}},
        {&ei_t1_nad, {"esim.t1.nad.bad", PI_MALFORMED, PI_WARN, "T=1 NAD with VPP bits",
                      EXPFILL}},
        {&ei_t1_no_sw, {"esim.t1.no_sw", PI_MALFORMED, PI_ERROR,
                        "T=1 response APDU without status word", EXPFILL}},
    };
    proto_register_field_array(proto_esim, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_esim), ei, array_length(ei));
    reassembly_table_register(&t1_table, &addresses_reassembly_table_functions);
    readers = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
                                     g_str_equal);
}

void esim_handoff_ccid(void)
{
    usbccid_handle = find_dissector_add_dependency("usbccid", proto_esim);
    dissector_add_for_decode_as("usbccid.subdissector",
                                create_dissector_handle(dissect_ccid_payload, proto_esim));
    heur_dissector_add("usb.bulk", heur_usb_bulk, "eSIM ES10 over USB CCID (T=0, T=1, APDU)",
                       "esim_ccid", proto_esim, HEURISTIC_ENABLE);
}
