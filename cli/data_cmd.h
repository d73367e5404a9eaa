/* data_cmd.h - the `unravel data` command (data_cmd.c). */
#ifndef UNR_DATA_CMD_H
#define UNR_DATA_CMD_H

/* argv[1] is "data"; returns the exit status. */
int unr_cmd_data(int argc, char **argv);

#endif
