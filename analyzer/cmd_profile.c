/* esimscope profile — placeholder until implemented. */
#include <stdio.h>
#include "commands.h"

int esim_cmd_profile(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "esimscope profile: not implemented yet\n");
    return ESIM_EXIT_USAGE;
}
