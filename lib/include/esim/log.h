/* Phone and LPA logs as inputs of the capture pipeline. A log is read line by line (gzip too,
 * stdin too) and its APDU exchanges become GSMTAP-SIM packets (one per exchange, command and
 * response together, as SIMtrace sends them), one card per slot; the HTTP messages of an lpac
 * log become a synthetic TCP connection. Every packet names its log line as its frame number.
 * Formats (docs/inputs.md):
 *   qxdm   Qualcomm QXDM text of log item 0x19B7 "UIM APDU" (one line per record), T=0 TPDUs
 *   qcat   Qualcomm QCAT parsed message file (%MOBILE PARSED MESSAGE FILE), 0x19B7, T=0 TPDUs
 *   lpac   lpac debug output (LIBEUICC_DEBUG_APDU=1, LIBEUICC_DEBUG_HTTP=1)
 *   at     AT command logs: +CCHO, +CGLA, +CSIM, +CCHC (any prefix before the command)
 *   pcsc-spy  pcsc-lite's pcsc-spy output (SCardTransmit send and receive buffers)
 *   hex    generic APDU logs: a direction marker (TX/RX, >>/<<, Send/Recv APDU:, C-/R-APDU)
 *          and the APDU in hex on each line */
#ifndef ESIM_LOG_H
#define ESIM_LOG_H
#include <stddef.h>
#include <stdint.h>

typedef enum esim_log_format {
    ESIM_LOG_AUTO = 0,    /* detect: pcap/pcapng by magic, else the log format from its lines */
    ESIM_LOG_CAPTURE,     /* pcap / pcapng */
    ESIM_LOG_QXDM,
    ESIM_LOG_QCAT,
    ESIM_LOG_LPAC,
    ESIM_LOG_AT,
    ESIM_LOG_PCSC_SPY,
    ESIM_LOG_HEX,
    ESIM_LOG_FORMAT_COUNT
} esim_log_format;

/* Longest line read; a longer one is a note and is skipped. lpac writes whole HTTP bodies
 * (a Bound Profile Package in base64) on one line. */
#define ESIM_LOG_MAX_LINE (16u << 20)
/* Card slots (SLOT_1 ... SLOT_8 in QXDM/QCAT). */
#define ESIM_LOG_MAX_SLOTS 8

/* "auto", "pcap" (also "pcapng", "capture"), "qxdm", "qcat", "lpac", "at", "pcsc-spy", "hex".
 * Returns -1 on an unknown name. */
int esim_log_format_parse(const char *name, esim_log_format *out);
const char *esim_log_format_name(esim_log_format f);
/* The format the first lines (text, len bytes, ending anywhere) look like: ESIM_LOG_AUTO when
 * none matches. */
esim_log_format esim_log_detect(const char *text, size_t len);
/* "YYYY-MM-DD" to midnight UTC in epoch seconds; -1 when not a valid date. */
int esim_log_parse_date(const char *s, int64_t *out);
#endif
