/* The NSS key log format (what SSLKEYLOGFILE and SSL_CTX_set_keylog_callback write, and what a
 * pcapng Decryption Secrets Block of type TLS key log carries): one secret per line,
 * "<LABEL> <64 hex digits of the ClientHello random> <hex secret>"; # starts a comment. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "esim/hex.h"
#include "esim/tls.h"

typedef struct entry {
    uint8_t random[32];
    uint8_t len[ESIM_TLS_SECRET_KINDS];
    uint8_t secret[ESIM_TLS_SECRET_KINDS][ESIM_TLS_MAX_SECRET];
} entry;

struct esim_tls_keylog {
    GHashTable *by_random; /* entry* -> entry* (the key is the entry's random) */
    esim_tls_keylog_stats st;
};

static const char *const labels[ESIM_TLS_SECRET_KINDS] = {
    [ESIM_TLS_SECRET_MASTER] = "CLIENT_RANDOM",
    [ESIM_TLS_SECRET_CLIENT_HS] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    [ESIM_TLS_SECRET_SERVER_HS] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    [ESIM_TLS_SECRET_CLIENT_APP] = "CLIENT_TRAFFIC_SECRET_0",
    [ESIM_TLS_SECRET_SERVER_APP] = "SERVER_TRAFFIC_SECRET_0",
};

/* Labels of the format this layer has no use for (read, counted, not stored). */
static const char *const unused_labels[] = {
    "CLIENT_EARLY_TRAFFIC_SECRET", "EARLY_EXPORTER_SECRET", "EXPORTER_SECRET", "RSA",
    "ECDHE_CLIENT_RANDOM", "CLIENT_EARLY_TRAFFIC_SECRET_0",
};

static guint random_hash(gconstpointer p)
{
    const uint8_t *r = p;
    guint h;
    memcpy(&h, r, sizeof h); /* the random is random */
    return h;
}

static gboolean random_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 32) == 0;
}

static void entry_free(gpointer p)
{
    OPENSSL_cleanse(p, sizeof(entry));
    free(p);
}

esim_tls_keylog *esim_tls_keylog_new(void)
{
    esim_tls_keylog *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->by_random = g_hash_table_new_full(random_hash, random_equal, NULL, entry_free);
    return k;
}

void esim_tls_keylog_free(esim_tls_keylog *k)
{
    if (!k)
        return;
    g_hash_table_destroy(k->by_random);
    free(k);
}

const esim_tls_keylog_stats *esim_tls_keylog_get_stats(const esim_tls_keylog *k)
{
    return &k->st;
}

static void malformed(esim_tls_keylog *k)
{
    k->st.malformed++;
    if (!k->st.first_malformed)
        k->st.first_malformed = k->st.lines;
}

/* One line without its end-of-line characters. */
static void add_line(esim_tls_keylog *k, const char *s, size_t n)
{
    k->st.lines++;
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n || s[i] == '#')
        return;
    /* three fields separated by blanks */
    const char *f[3];
    size_t fl[3];
    unsigned nf = 0;
    while (i < n && nf < 4) {
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t')
            j++;
        if (nf == 3) {
            malformed(k);
            return;
        }
        f[nf] = s + i;
        fl[nf++] = j - i;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        i = j;
    }
    if (nf < 2) {
        malformed(k);
        return;
    }
    int kind = -1;
    for (int l = 0; l < ESIM_TLS_SECRET_KINDS; l++)
        if (fl[0] == strlen(labels[l]) && !memcmp(f[0], labels[l], fl[0]))
            kind = l;
    if (kind < 0) {
        bool known = false;
        for (size_t l = 0; l < sizeof unused_labels / sizeof *unused_labels; l++)
            if (fl[0] == strlen(unused_labels[l]) && !memcmp(f[0], unused_labels[l], fl[0]))
                known = true;
        if (known)
            k->st.ignored++;
        else
            malformed(k);
        return;
    }
    uint8_t random[32], secret[ESIM_TLS_MAX_SECRET];
    long sl = nf == 3 ? esim_unhex(f[2], fl[2], secret, sizeof secret) : -1;
    if (nf != 3 || fl[1] != 64 || esim_unhex(f[1], fl[1], random, sizeof random) != 32 ||
        sl < 16 || (kind == ESIM_TLS_SECRET_MASTER && sl != 48)) {
        OPENSSL_cleanse(secret, sizeof secret);
        malformed(k);
        return;
    }
    entry *e = g_hash_table_lookup(k->by_random, random);
    if (!e) {
        if (g_hash_table_size(k->by_random) >= ESIM_TLS_KEYLOG_MAX_ENTRIES) {
            k->st.dropped++;
            OPENSSL_cleanse(secret, sizeof secret);
            return;
        }
        e = calloc(1, sizeof *e);
        if (!e) {
            k->st.dropped++;
            OPENSSL_cleanse(secret, sizeof secret);
            return;
        }
        memcpy(e->random, random, 32);
        g_hash_table_insert(k->by_random, e->random, e);
    }
    memcpy(e->secret[kind], secret, (size_t)sl);
    e->len[kind] = (uint8_t)sl;
    k->st.secrets++;
    OPENSSL_cleanse(secret, sizeof secret);
}

void esim_tls_keylog_add_text(esim_tls_keylog *k, const char *text, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || text[i] == '\n') {
            if (i > start || i < len)
                add_line(k, text + start, i - start);
            start = i + 1;
        }
}

int esim_tls_keylog_load(esim_tls_keylog *k, const char *path, esim_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return esim_error_set(err, "%s: %s", path, strerror(errno));
    char line[1024];
    bool too_long = false;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        bool complete = n && line[n - 1] == '\n';
        if (too_long) { /* the rest of an over-long line */
            too_long = !complete;
            continue;
        }
        if (!complete && !feof(f)) {
            too_long = true;
            k->st.lines++;
            malformed(k);
            continue;
        }
        add_line(k, line, complete ? n - 1 : n);
    }
    OPENSSL_cleanse(line, sizeof line);
    bool failed = ferror(f);
    fclose(f);
    if (failed)
        return esim_error_set(err, "%s: read error", path);
    return 0;
}

size_t esim_tls_keylog_find(const esim_tls_keylog *k, const uint8_t client_random[32],
                            esim_tls_secret_kind kind, uint8_t out[ESIM_TLS_MAX_SECRET])
{
    if (!k || kind >= ESIM_TLS_SECRET_KINDS)
        return 0;
    const entry *e = g_hash_table_lookup(k->by_random, client_random);
    if (!e || !e->len[kind])
        return 0;
    memcpy(out, e->secret[kind], e->len[kind]);
    return e->len[kind];
}
