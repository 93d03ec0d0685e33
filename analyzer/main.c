/* esimscope: command-line face of the esimscope core. */
#include <stdio.h>
#include <string.h>
#include "commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"decode", esim_cmd_decode, "decode one RSP message, BPP, profile package or certificate"},
    {"bpp", esim_cmd_bpp, "parse, decrypt and verify a Bound Profile Package"},
    {"profile", esim_cmd_profile, "decode a SAIP profile package (UPP)"},
    {"trace", esim_cmd_trace, "analyse a capture: RSP sessions, verdicts and failure diagnosis"},
    {"apdus", esim_cmd_apdus, "list the APDUs, ES10 commands and HTTP messages of a capture"},
    {"audit", esim_cmd_audit, "audit profile packages (UPP, BPP with key log, capture) before they ship"},
    {"convert", esim_cmd_convert, "write a phone/LPA log (QXDM, QCAT, lpac, AT, PC/SC) as pcapng for Wireshark"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: esimscope COMMAND [OPTIONS] ...\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'esimscope COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return ESIM_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return esim_close_stdout(ESIM_EXIT_OK);
    }
    if (!strcmp(argv[1], "--version")) {
        printf("esimscope %s\n", ESIMSCOPE_VERSION);
        return esim_close_stdout(ESIM_EXIT_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return esim_close_stdout(commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "esimscope: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return ESIM_EXIT_USAGE;
}
