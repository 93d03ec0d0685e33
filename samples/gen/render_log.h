/* Renders a transcript as the logs phone and LPA engineers have (docs/inputs.md): Qualcomm
 * QXDM and QCAT text of log item 0x19B7 (T=0 TPDUs; a second SIM in SLOT_2 interleaved), lpac
 * debug output (APDUs and the ES9+/ES11 HTTP bodies), a ModemManager AT command log, pcsc-spy
 * output and a generic ">>"/"<<" hex log. Other subsystems' lines are mixed in, as in real
 * logs. */
#ifndef SG_RENDER_LOG_H
#define SG_RENDER_LOG_H
#include <stdint.h>
#include "transcript.h"

/* Writes DIR/<base>.<format>.log for every format; returns the number of files that failed. */
int sg_render_logs(const sg_transcript *t, const char *dir, const char *base, uint64_t t0_us);
#endif
