/* Capture file writers: classic pcap (one link type) and pcapng (one Section Header Block, one
 * Interface Description Block per interface, each with its own link type, then Enhanced Packet
 * Blocks). Timestamps in microseconds. */
#ifndef SG_CAPWRITE_H
#define SG_CAPWRITE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { SG_LT_ETHERNET = 1, SG_LT_LINUX_SLL = 113, SG_LT_USB_LINUX_MMAPPED = 220,
       SG_LT_USBPCAP = 249 };

#define SG_CAP_MAX_IF 8

typedef struct sg_cap {
    FILE *f;
    bool ng;
    int nif;
    uint32_t linktype[SG_CAP_MAX_IF];
    uint64_t packets;
    uint64_t max_packets;    /* 0 = no limit; then packets are silently dropped */
    bool failed;
} sg_cap;

int sg_cap_open(sg_cap *c, const char *path, bool pcapng);
/* Adds an interface; returns its id (pcap: only one). */
int sg_cap_add_if(sg_cap *c, uint32_t linktype, const char *name, const char *description);
void sg_cap_write(sg_cap *c, int ifid, uint64_t ts_us, const uint8_t *d, size_t len);
int sg_cap_close(sg_cap *c);
#endif
