/* testutil.h - small helpers shared by the C tests: checks that count failures, file reading. */
#ifndef UNR_TESTUTIL_H
#define UNR_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures, test_checks;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        test_checks++;                                                     \
        if (!(cond)) {                                                     \
            test_failures++;                                               \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
        }                                                                  \
    } while (0)

/* Whole file into a malloc'd buffer; NULL (and a message) if it cannot be read. */
static inline unsigned char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(b);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Path of a file in the source tree (UNRAVEL_SOURCE is set by CTest). */
static inline const char *test_source_path(const char *rel)
{
    static char buf[4][1024];
    static int next;
    const char *root = getenv("UNRAVEL_SOURCE");
    char *out = buf[next++ % 4];
    snprintf(out, sizeof buf[0], "%s/%s", root ? root : ".", rel);
    return out;
}

static inline int test_summary(const char *name)
{
    if (test_failures) fprintf(stderr, "%s: %d of %d checks failed\n", name, test_failures, test_checks);
    else printf("%s: all %d checks passed\n", name, test_checks);
    return test_failures ? 1 : 0;
}

#endif
