/* gradients.h - the `unravel gradients` command (cli/gradients.c). */
#ifndef UNR_CLI_GRADIENTS_H
#define UNR_CLI_GRADIENTS_H

/* Parses its own flags (argv[1] is "gradients"); returns the exit status. */
int cmd_gradients(int argc, char **argv);

#endif
