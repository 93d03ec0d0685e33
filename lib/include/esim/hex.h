/* Hex and byte-string helpers used everywhere (one implementation). */
#ifndef ESIM_HEX_H
#define ESIM_HEX_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Upper-case hex of len bytes into out (needs 2*len+1 bytes). Returns out. */
char *esim_hex(const uint8_t *in, size_t len, char *out);
/* Newly allocated upper-case hex string (g_free/free it). */
char *esim_hex_dup(const uint8_t *in, size_t len);
/* Parses hex (upper/lower case; spaces, colons and newlines ignored) into out (cap bytes).
 * Returns the number of bytes, or -1 on an odd digit count, a bad character or overflow. */
long esim_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t cap);
/* Swapped-nibble BCD (as in EF.ICCID / EF.IMSI) to digits; stops at an F filler.
 * out needs 2*len+1 bytes. Returns the number of digits. */
size_t esim_bcd_swapped_to_digits(const uint8_t *in, size_t len, char *out);
/* Plain BCD (high nibble first, as EID is printed) to digits; stops at F. */
size_t esim_bcd_plain_to_digits(const uint8_t *in, size_t len, char *out);
/* ICCID digits from 10 BCD bytes whichever nibble order they use: the order in which the digits
 * start with the telecom MII "89" (ITU-T E.118) wins, swapped (EF.ICCID) when neither does.
 * Returns true when the bytes were plain (not swapped). out needs 2*len+1 bytes. */
bool esim_iccid_digits(const uint8_t *in, size_t len, char *out);
/* Wipes secret material (not optimised away). */
void esim_wipe(void *p, size_t len);
#endif
