/* esimscope decode — placeholder until implemented. */
#include <stdio.h>
#include "commands.h"

int esim_cmd_decode(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "esimscope decode: not implemented yet\n");
    return ESIM_EXIT_USAGE;
}
