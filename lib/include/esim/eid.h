/* The EID where a message carries it only inside the eUICC certificate (AuthenticateServer
 * response, ES9+ authenticateClient): the certificate subject's serialNumber. */
#ifndef ESIM_EID_H
#define ESIM_EID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Finds serialNumber (OID 2.5.4.5) as a PrintableString or UTF8String of 32 digits (SGP.22
 * section 4.5.2.1.0.2) anywhere in d; writes it to out (33 bytes) and returns true. */
bool esim_eid_in_certificate(const uint8_t *d, size_t n, char out[33]);
#endif
