/* A streaming pcapng writer (pcapng draft, IETF opsawg): one section, interfaces added as they
 * are needed (link type, name, nanosecond time stamps), Enhanced Packet Blocks with an optional
 * comment. Little-endian. Used by `esimscope convert`. */
#ifndef ESIM_PCAPNG_WRITE_H
#define ESIM_PCAPNG_WRITE_H
#include <stdint.h>
#include <stdio.h>
#include "esim/error.h"

typedef struct esim_pcapng_writer esim_pcapng_writer;

/* Writes the Section Header Block to f (not closed by the writer). */
esim_pcapng_writer *esim_pcapng_writer_new(FILE *f, const char *application, esim_error *err);
/* Adds an interface; returns its id, -1 on a write error. */
int esim_pcapng_add_interface(esim_pcapng_writer *w, uint16_t linktype, const char *name,
                              const char *description);
/* One packet (time in nanoseconds); comment may be NULL. Returns -1 on a write error. */
int esim_pcapng_write_packet(esim_pcapng_writer *w, int iface, int64_t sec, uint32_t nsec,
                             const uint8_t *data, uint32_t caplen, uint32_t origlen,
                             const char *comment);
/* Flushes; returns -1 when anything failed to be written. Frees w. */
int esim_pcapng_writer_finish(esim_pcapng_writer *w, esim_error *err);
#endif
