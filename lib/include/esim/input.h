/* Loading one object (a message, BPP, profile package or certificate) from a file or stdin,
 * in DER, base64 (optionally PEM-armoured) or hex. Captures are NOT read this way (they stream). */
#ifndef ESIM_INPUT_H
#define ESIM_INPUT_H
#include <stddef.h>
#include <stdint.h>
#include "esim/error.h"

typedef enum esim_input_format {
    ESIM_IN_AUTO = 0,
    ESIM_IN_DER,
    ESIM_IN_BASE64,
    ESIM_IN_HEX,
} esim_input_format;

/* Largest object accepted (a BPP of a large profile is well below this). */
#define ESIM_INPUT_MAX (64u * 1024 * 1024)

/* Parses "der", "base64" or "hex" (also "auto"). Returns -1 on an unknown name. */
int esim_input_format_parse(const char *name, esim_input_format *out);
const char *esim_input_format_name(esim_input_format f);

/* Reads path ("-" = stdin) as it is, at most ESIM_INPUT_MAX bytes (the limit applies while
 * reading). The buffer is malloc'd; the caller wipes and frees it. */
int esim_input_read(const char *path, uint8_t **raw, size_t *n, esim_error *err);
/* What a container input is: "a pcap capture", "a pcapng capture", "gzip-compressed data", or
 * NULL for anything else (by the magic numbers). */
const char *esim_input_container(const uint8_t *raw, size_t n);
/* -1 with a message naming the command that reads it when raw is a capture or gzip data. */
int esim_input_refuse_container(const char *path, const uint8_t *raw, size_t n, esim_error *err);

/* Reads path ("-" = stdin) and decodes it; captures and gzip data are refused (see above). *detected (optional) tells which format was used.
 * The buffer is malloc'd; the caller frees it. */
int esim_input_load(const char *path, esim_input_format forced, uint8_t **data, size_t *len,
                    esim_input_format *detected, esim_error *err);
/* Same, over bytes already in memory. */
int esim_input_decode(const uint8_t *raw, size_t rawlen, esim_input_format forced, uint8_t **data,
                      size_t *len, esim_input_format *detected, esim_error *err);
#endif
