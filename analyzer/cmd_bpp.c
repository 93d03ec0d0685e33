/* esimscope bpp — placeholder until implemented. */
#include <stdio.h>
#include "commands.h"

int esim_cmd_bpp(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "esimscope bpp: not implemented yet\n");
    return ESIM_EXIT_USAGE;
}
