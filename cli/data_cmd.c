/* data_cmd.c - `unravel data`: the first N CIFAR-10 test records, read and checked by the one
 * C reader (data.c), written as a .bin batch. The page's build cuts its test subset with it, so
 * that the page and the CLI accept exactly the same inputs.
 *   unravel data [--data PATH] [--limit N] --out FILE.bin [--json]
 * (--json also names the SHA-256 of the whole test batch, the data_sha256 of experiment specs)
 * Exit status as the other commands: 0, 1 (data unusable or FILE unwritable), 2 (usage). */
#include "data_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

static int usage(const char *what)
{
    fprintf(stderr, "unravel: data: %s (usage: unravel data [--data PATH] [--limit N] --out FILE [--json])\n",
            what);
    return 2;
}

int unr_cmd_data(int argc, char **argv)
{
    const char *path = unr_data_default_path(), *out = NULL;
    long limit = -1;
    int json = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
            continue;
        }
        if (strcmp(argv[i], "--data") && strcmp(argv[i], "--limit") && strcmp(argv[i], "--out"))
            return usage("unknown argument");
        if (i + 1 >= argc) return usage("a flag needs a value");
        const char *v = argv[++i];
        if (!strcmp(argv[i - 1], "--data")) path = v;
        else if (!strcmp(argv[i - 1], "--out")) out = v;
        else {
            char *end;
            errno = 0;
            limit = strtol(v, &end, 10);
            if (end == v || *end || errno == ERANGE || limit < 1 || limit > 1000000)
                return usage("--limit needs a positive integer");
        }
    }
    if (!out) return usage("--out FILE is required");
    if (!path) return usage("no CIFAR-10 data: pass --data PATH or set UNRAVEL_DATA");
    unsigned char *bytes;
    size_t len;
    unr_dataset set;
    unr_error err;
    if (unr_data_load(path, "test", &bytes, &len, &err) ||
        unr_cifar_view(bytes, len, path, &set, &err)) {
        fprintf(stderr, "unravel: %s\n", err.message);
        return 1;
    }
    int images = limit > 0 && limit < set.count ? (int)limit : set.count;
    /* What specs name as data_sha256: the whole test batch, however much of it is written. */
    char sha[65];
    unr_sha256_hex(bytes, (size_t)set.count * UNR_CIFAR_RECORD, sha);
    FILE *f = fopen(out, "wb");
    size_t want = (size_t)images * UNR_CIFAR_RECORD;
    int ok = f && fwrite(bytes, 1, want, f) == want;
    if (f && fclose(f)) ok = 0;
    free(bytes);
    if (!ok) {
        fprintf(stderr, "unravel: %s: cannot write: %s\n", out, strerror(errno));
        return 1;
    }
    if (json) printf("{\"images\":%d,\"available\":%d,\"data_sha256\":\"%s\"}\n", images, set.count, sha);
    else printf("%s: the first %d of %d test images\n", out, images, set.count);
    return 0;
}
