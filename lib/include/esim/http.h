/* Incremental HTTP/1.1 message parser (RFC 9112) over the two byte streams of one TCP
 * connection: request and status lines, headers (bounded), bodies by Content-Length, chunked
 * transfer coding or connection close; pipelined messages; responses paired with requests.
 * Output: one event per complete message, for the ES9+/ES11 layer (SGP.22 section 6.5: JSON
 * over HTTPS with X-Admin-Protocol) to parse. */
#ifndef ESIM_HTTP_H
#define ESIM_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/tcp_reasm.h"

#define ESIM_HTTP_MAX_HEADER (32u * 1024u)      /* start line + headers */
#define ESIM_HTTP_MAX_BODY (16u * 1024u * 1024u) /* a larger body is reported, not buffered */
#define ESIM_HTTP_MAX_PENDING 32                 /* requests awaiting a response per flow */
/* A flow caught mid-connection is searched for a first start line through at most this many
 * bytes of binary data (both directions together; text, such as the rest of a JSON body, does
 * not count); after that it is taken for another protocol and no longer looked at. */
#define ESIM_HTTP_MAX_HUNT (64u * 1024u)

typedef enum { ESIM_HTTP_EV_REQUEST, ESIM_HTTP_EV_RESPONSE, ESIM_HTTP_EV_ERROR } esim_http_ev_type;

typedef struct esim_http_event {
    esim_http_ev_type type;
    uint64_t flow_id;
    int dir;                      /* TCP direction the message travelled in */
    uint64_t frame_first, frame_last;
    int64_t ts_sec;               /* of frame_first */
    uint32_t ts_nsec;
    const char *method, *uri;     /* request; for a response: of the request it answers, or NULL */
    uint64_t request_frame;       /* response: first frame of that request (0 if unknown) */
    int status;                   /* response */
    const char *reason;
    const char *content_type;     /* NULL when absent */
    const char *admin_protocol;   /* X-Admin-Protocol, NULL when absent */
    bool chunked;
    const uint8_t *body;          /* decoded body (chunked coding removed) */
    size_t body_len;
    const char *text;             /* ERROR: what went wrong */
} esim_http_event;

typedef void (*esim_http_cb)(const esim_http_event *ev, void *user);

typedef struct esim_http esim_http;

esim_http *esim_http_new(uint64_t flow_id, esim_http_cb cb, void *user);
void esim_http_free(esim_http *h);
/* Stream bytes of one direction (0/1) in order. */
void esim_http_data(esim_http *h, int dir, const uint8_t *d, size_t n, uint64_t frame,
                    int64_t sec, uint32_t nsec);
/* Bytes missing in a direction: the message in progress is dropped (ERROR event) and the parser
 * looks for the next start line. */
void esim_http_gap(esim_http *h, int dir, uint64_t bytes, uint64_t frame);
/* The direction ended: completes a response delimited by connection close. */
void esim_http_end(esim_http *h, int dir, uint64_t frame);

/* Glue for esim_tcp_reasm: keeps one esim_http per flow in ev->flow_user and frees it on
 * CLOSE. A flow that starts with TLS records is ignored; one that starts inside an HTTP message
 * (capture started mid-connection) is picked up at the next start line, unless
 * ESIM_HTTP_MAX_HUNT bytes of binary data come first. An ignored flow is marked in ev->ignore_flow (when set), so that
 * the TCP layer stops delivering and buffering its bytes.
 * Use as (or call from) the TCP callback. */
void esim_http_on_tcp(const esim_tcp_event *ev, esim_http_cb cb, void *user);
#endif
