/* Fuzzes BPP parsing and opening. The key log holds a fixed eUICC one-time key (private
 * scalar FUZZ_EUICC_D) so that a seed BPP built for it (tests/fuzz/corpus/fuzz_bpp, made with
 * bench_bpp --emit --euicc-d) opens with good MACs and the fuzzer can reach the decrypted
 * content; SESSION_KEYS/PPK lines with fixed keys cover the other key paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "esim/bpp.h"
#include "esim/keylog.h"

#define FUZZ_EUICC_D "0101010101010101010101010101010101010101010101010101010101010101"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_bpp b;
    esim_error e;
    /* the plaintext decoders also see raw input */
    esim_metadata m;
    esim_bsp_keys k;
    char oid[64];
    esim_metadata_decode(data, size, &m, &e);
    esim_rsk_decode(data, size, &k, &e);
    esim_configure_isdp_decode(data, size, oid, sizeof oid, &e);
    /* the strict parser, then the lenient one for cut BPPs (which also accepts whole ones) */
    if (esim_bpp_parse(data, size, &b, &e) == 0)
        esim_bpp_clear(&b);
    if (esim_bpp_parse_partial(data, size, &b, &e) != 0)
        return 0;
    char tid[2 * ESIM_TID_MAX + 1];
    static const char hexd[] = "0123456789ABCDEF";
    for (size_t i = 0; i < b.tid_len; i++) {
        tid[2 * i] = hexd[b.tid[i] >> 4];
        tid[2 * i + 1] = hexd[b.tid[i] & 15];
    }
    tid[2 * b.tid_len] = '\0';
    char text[1024];
    /* seeds carry keyType 88: the EUICC_OTSK path; mutated ones try the others */
    int variant = b.key_type == 0x88 ? 0 : 1 + (b.key_type & 1);
    if (variant == 0)
        snprintf(text, sizeof text, "EUICC_OTSK %s " FUZZ_EUICC_D " 89049032123451234512345678901335\n", tid);
    else if (variant == 1)
        snprintf(text, sizeof text, "SESSION_KEYS %s %032d %032d %032d\n", tid, 1, 2, 3);
    else
        snprintf(text, sizeof text, "PPK %s %032d %032d %032d\n", tid, 1, 2, 3);
    esim_keylog *kl = esim_keylog_new();
    if (esim_keylog_parse(kl, text, strlen(text), "fuzz", &e) != 0)
        abort();
    esim_bpp_opened o;
    if (esim_bpp_open(&b, kl, &o, &e) == 0) {
        if (o.store_metadata)
            esim_metadata_decode(o.store_metadata, o.store_metadata_len, &m, &e);
        if (o.configure_isdp)
            esim_configure_isdp_decode(o.configure_isdp, o.configure_isdp_len, oid, sizeof oid, &e);
        esim_bpp_opened_free(&o);
    }
    uint8_t pt[ESIM_EC_POINT_MAX];
    size_t pl;
    esim_bpp_euicc_otpk(&b, kl, pt, &pl, &e);
    esim_keylog_free(kl);
    esim_bpp_clear(&b);
    return 0;
}
