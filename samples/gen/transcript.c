#include "transcript.h"
#include <stdlib.h>
#include <string.h>
#include "esim/hex.h"

sg_ev *sg_tr_add(sg_transcript *t, sg_ev_kind kind)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 32;
        sg_ev *e = realloc(t->ev, nc * sizeof *e);
        if (!e)
            abort();
        t->ev = e;
        t->cap = nc;
    }
    sg_ev *e = &t->ev[t->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->sw = 0x9000;
    e->fail_block = -1;
    return e;
}

void sg_tr_free(sg_transcript *t)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->ev[i].cmd)
            esim_wipe(t->ev[i].cmd, t->ev[i].cmd_len);
        free(t->ev[i].cmd);
        free(t->ev[i].rsp);
    }
    free(t->ev);
    memset(t, 0, sizeof *t);
}
