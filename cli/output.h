/* output.h - small helpers the CLI's commands share (main.c, gradients.c). */
#ifndef UNR_CLI_OUTPUT_H
#define UNR_CLI_OUTPUT_H

/* s as a JSON string literal on stdout (quotes, backslashes and control bytes escaped). */
void cli_json_string(const char *s);
/* Online CPUs, clamped to 1..64: the default number of threads. */
int cli_cpu_count(void);

/* Wrong usage: "unravel: <message>" on stderr, then exit status 2. */
__attribute__((format(printf, 1, 2), noreturn)) void cli_usage_fail(const char *fmt, ...);

#endif
