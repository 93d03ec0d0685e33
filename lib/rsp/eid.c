/* EID from the eUICC certificate (see eid.h). */
#include <string.h>
#include "esim/eid.h"

bool esim_eid_in_certificate(const uint8_t *d, size_t n, char out[33])
{
    static const uint8_t oid[] = {0x06, 0x03, 0x55, 0x04, 0x05};
    for (size_t i = 0; i + sizeof oid + 2 + 32 <= n; i++) {
        if (memcmp(d + i, oid, sizeof oid))
            continue;
        const uint8_t *v = d + i + sizeof oid;
        if ((v[0] != 0x13 && v[0] != 0x0C) || v[1] != 32)
            continue;
        size_t k = 0;
        while (k < 32 && v[2 + k] >= '0' && v[2 + k] <= '9')
            k++;
        if (k == 32) {
            memcpy(out, v + 2, 32);
            out[32] = 0;
            return true;
        }
    }
    return false;
}
