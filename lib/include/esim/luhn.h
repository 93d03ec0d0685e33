/* The Luhn check digit of ICCIDs (ITU-T E.118 / ISO/IEC 7812-1 annex B). */
#ifndef ESIM_LUHN_H
#define ESIM_LUHN_H
#include <stdbool.h>

/* The check digit ('0'..'9') to append to the decimal digits d. */
char esim_luhn_digit(const char *d);
/* Whether the last digit of d is the check digit of the ones before it. */
bool esim_luhn_ok(const char *d);
#endif
