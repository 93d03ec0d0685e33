/* The esimscope subcommands. Each lives in its own cmd_<name>.c and returns the process exit
 * status: 0 success / all verified, 1 a verification or check failed, 2 bad usage or input,
 * 3 (trace) no eSIM traffic found: nothing was judged. */
#ifndef ESIMSCOPE_COMMANDS_H
#define ESIMSCOPE_COMMANDS_H

enum { ESIM_EXIT_OK = 0, ESIM_EXIT_FAILED = 1, ESIM_EXIT_USAGE = 2, ESIM_EXIT_NO_TRAFFIC = 3 };

int esim_cmd_decode(int argc, char **argv);
int esim_cmd_bpp(int argc, char **argv);
int esim_cmd_profile(int argc, char **argv);
int esim_cmd_apdus(int argc, char **argv);
int esim_cmd_trace(int argc, char **argv);
int esim_cmd_audit(int argc, char **argv);
/* Flushes and closes standard output; a write error turns rc into ESIM_EXIT_USAGE with one line on
 * standard error (none for EPIPE). */
int esim_close_stdout(int rc);

int esim_cmd_convert(int argc, char **argv);
#endif
