/* OpenSSL's error queue as an esim_error (see error.h). */
#include <openssl/err.h>
#include "esim/error.h"

int esim_error_openssl(esim_error *e, const char *what)
{
    unsigned long code = ERR_get_error();
    char buf[256] = "";
    if (code)
        ERR_error_string_n(code, buf, sizeof buf);
    ERR_clear_error();
    return esim_error_set(e, "%s failed%s%s", what, code ? ": " : "", buf);
}
