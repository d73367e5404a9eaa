/* test_data.c - unr_cifar_view checks and unr_data_load on .bin files, folders and tarballs
 * made at test time (with zlib), truncated and corrupt ones included; and, when UNRAVEL_DATA
 * names real CIFAR-10 data, that data compared with what tar(1) extracts. */
#define _POSIX_C_SOURCE 200809L
#include "data.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"

#define BATCH UNR_DATA_BATCH_BYTES
#define REC UNR_CIFAR_RECORD

static char tmp[512];

/* Records of batch b (0 = test, 1..5 = train): distinct labels and pixels per batch. */
static void fill_batch(unsigned char *dst, int records, int b)
{
    for (int r = 0; r < records; r++) {
        unsigned char *p = dst + (size_t)r * REC;
        p[0] = (unsigned char)((r * 7 + b * 3) % 10);
        for (int j = 1; j < REC; j++) p[j] = (unsigned char)(j * 13 + r * 3 + b * 101);
    }
}

static char *path_of(const char *rel)
{
    static char buf[8][1024];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 1024, "%s/%s", tmp, rel);
    return p;
}

static void write_bytes(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fclose(f);
}

static unsigned char *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)n + 1);
    *len = fread(p, 1, (size_t)n, f);
    fclose(f);
    return p;
}

/* ---- tar writing ---------------------------------------------------------------------- */

typedef struct member {
    const char *name;     /* full name; names over 99 bytes get a GNU long-name entry */
    const char *prefix;   /* ustar prefix, or NULL */
    const void *data;
    size_t len;
    char type;
    int bad_checksum;
} member;

/* digits octal digits of v, most significant first, then a NUL */
static void put_octal(unsigned char *dst, int digits, unsigned long long v)
{
    for (int i = digits - 1; i >= 0; i--, v >>= 3) dst[i] = (unsigned char)('0' + (v & 7));
    dst[digits] = '\0';
}

static void tar_header(unsigned char h[512], const char *name, const char *prefix, size_t size,
                       char type, int bad_checksum)
{
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0001750", 8);
    memcpy(h + 116, "0001750", 8);
    put_octal(h + 124, 11, size);
    memcpy(h + 136, "14707000000", 12);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    if (prefix) snprintf((char *)h + 345, 155, "%s", prefix);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += h[i];
    put_octal(h + 148, 6, sum + (bad_checksum ? 1u : 0u));
    h[155] = ' ';
}

static void gz_put(gzFile gz, const void *data, size_t len)
{
    if (len && gzwrite(gz, data, (unsigned)len) != (int)len) {
        fprintf(stderr, "gzwrite failed\n");
        exit(2);
    }
}

/* A tar archive, gzip-compressed (level 1) or plain ("wbT": zlib's transparent write). */
static void write_tar(const char *path, int gzip, const member *m, int count)
{
    gzFile gz = gzopen(path, gzip ? "wb1" : "wbT");
    if (!gz) {
        fprintf(stderr, "cannot create %s\n", path);
        exit(2);
    }
    static const unsigned char zero[1024];
    unsigned char h[512];
    for (int i = 0; i < count; i++) {
        size_t n = strlen(m[i].name);
        if (n > 99) {
            tar_header(h, "././@LongLink", NULL, n + 1, 'L', 0);
            gz_put(gz, h, 512);
            gz_put(gz, m[i].name, n + 1);
            gz_put(gz, zero, (512 - (n + 1) % 512) % 512);
        }
        tar_header(h, m[i].name, m[i].prefix, m[i].len, m[i].type, m[i].bad_checksum);
        gz_put(gz, h, 512);
        gz_put(gz, m[i].data, m[i].len);
        gz_put(gz, zero, (512 - m[i].len % 512) % 512);
    }
    gz_put(gz, zero, 1024);
    gzclose(gz);
}

/* ---- helpers for expectations ---------------------------------------------------------- */

static void expect_fail(const char *path, const char *split, unr_status status, const char *want1,
                        const char *want2, int line)
{
    unsigned char *rec = (unsigned char *)1;
    size_t len = 99;
    unr_error err;
    unr_status st = unr_data_load(path, split, &rec, &len, &err);
    test_checks++;
    if (st != status) {
        test_failures++;
        fprintf(stderr, "line %d: %s: status %s, expected %s (%s)\n", line, path,
                unr_status_str(st), unr_status_str(status), err.message);
        if (st == UNR_OK) free(rec);
        return;
    }
    CHECK(rec == NULL && len == 0, "line %d: outputs not cleared", line);
    CHECK(strstr(err.message, path) != NULL, "line %d: message '%s' lacks the path", line, err.message);
    if (want1) CHECK(strstr(err.message, want1) != NULL, "line %d: '%s' lacks '%s'", line, err.message, want1);
    if (want2) CHECK(strstr(err.message, want2) != NULL, "line %d: '%s' lacks '%s'", line, err.message, want2);
}
#define EXPECT_FAIL(p, s, st, w1, w2) expect_fail((p), (s), (st), (w1), (w2), __LINE__)

static void expect_load(const char *path, const char *split, const unsigned char *want, size_t want_len, int line)
{
    unsigned char *rec;
    size_t len;
    unr_error err;
    unr_status st = unr_data_load(path, split, &rec, &len, &err);
    test_checks++;
    if (st != UNR_OK) {
        test_failures++;
        fprintf(stderr, "line %d: %s (%s): %s\n", line, path, split ? split : "NULL", err.message);
        return;
    }
    CHECK(len == want_len && memcmp(rec, want, len) == 0, "line %d: %s (%s): %zu bytes differ from the %zu written",
          line, path, split ? split : "NULL", len, want_len);
    free(rec);
}
#define EXPECT_LOAD(p, s, w, n) expect_load((p), (s), (w), (n), __LINE__)

/* ---- tests ----------------------------------------------------------------------------- */

static void test_view(void)
{
    unsigned char rec[5 * REC];
    fill_batch(rec, 5, 0);
    unr_dataset d;
    unr_error err;
    CHECK(unr_cifar_view(rec, sizeof rec, "b.bin", &d, &err) == UNR_OK && d.count == 5 && d.records == rec,
          "valid view: %s", err.message);
    CHECK(unr_cifar_view(rec, 0, "b.bin", &d, &err) == UNR_ERR_DATA && strstr(err.message, "b.bin") &&
              d.count == 0 && d.records == NULL, "empty: %s", err.message);
    CHECK(unr_cifar_view(rec, 10 * REC - 1, "test_batch.bin", &d, &err) == UNR_ERR_DATA &&
              strstr(err.message, "test_batch.bin: 30729 bytes is not a whole number of 3073-byte records (truncated?)"),
          "truncated: %s", err.message);
    CHECK(unr_cifar_view(rec, REC + 1, "b.bin", &d, &err) == UNR_ERR_DATA, "one record and a byte");
    rec[3 * REC] = 10;
    CHECK(unr_cifar_view(rec, sizeof rec, "b.bin", &d, &err) == UNR_ERR_DATA &&
              strstr(err.message, "b.bin") && strstr(err.message, "record 3") && strstr(err.message, "label 10"),
          "bad label: %s", err.message);
    rec[3 * REC] = 255;
    CHECK(unr_cifar_view(rec, 3 * REC, "b.bin", &d, &err) == UNR_OK && d.count == 3, "prefix before the bad label");
    rec[3 * REC] = 9;
    CHECK(unr_cifar_view(rec, sizeof rec, "b.bin", &d, &err) == UNR_OK, "label 9 is fine");
    CHECK(unr_cifar_view(NULL, 0, "b.bin", &d, &err) != UNR_OK, "NULL");
    CHECK(unr_cifar_view(rec, sizeof rec, "b.bin", NULL, &err) == UNR_ERR_ARGUMENT, "NULL out");
}

static void test_bin_files(void)
{
    unsigned char rec[5 * REC];
    fill_batch(rec, 5, 2);
    write_bytes(path_of("small.bin"), rec, sizeof rec);
    EXPECT_LOAD(path_of("small.bin"), "test", rec, sizeof rec);
    EXPECT_LOAD(path_of("small.bin"), NULL, rec, sizeof rec);
    /* official names must be whole batches */
    mkdir(path_of("short"), 0700);
    write_bytes(path_of("short/test_batch.bin"), rec, sizeof rec);
    EXPECT_FAIL(path_of("short/test_batch.bin"), "test", UNR_ERR_DATA, "10000 records", "truncated?");
    EXPECT_FAIL(path_of("short"), "test", UNR_ERR_DATA, "short/test_batch.bin", "10000 records");
    write_bytes(path_of("odd.bin"), rec, 10 * REC / 2 - 1);
    EXPECT_FAIL(path_of("odd.bin"), "test", UNR_ERR_DATA, "not a whole number of 3073-byte records", NULL);
    write_bytes(path_of("empty.bin"), rec, 0);
    EXPECT_FAIL(path_of("empty.bin"), "test", UNR_ERR_DATA, "0 bytes", NULL);
    rec[4 * REC] = 200;
    write_bytes(path_of("label.bin"), rec, sizeof rec);
    EXPECT_FAIL(path_of("label.bin"), "test", UNR_ERR_DATA, "record 4", "label 200");
    EXPECT_FAIL(path_of("does-not-exist.bin"), "test", UNR_ERR_IO, "no such file", NULL);
    EXPECT_FAIL(path_of("small.bin"), "validation", UNR_ERR_ARGUMENT, "validation", NULL);
    mkdir(path_of("emptydir"), 0700);
    EXPECT_FAIL(path_of("emptydir"), "test", UNR_ERR_IO, "test_batch.bin", "cifar-10-batches-bin");
    unsigned char *r;
    size_t n;
    unr_error err;
    CHECK(unr_data_load(NULL, "test", &r, &n, &err) == UNR_ERR_ARGUMENT && strstr(err.message, "UNRAVEL_DATA"),
          "NULL path: %s", err.message);
}

static const char *const official[6] = {"test_batch.bin", "data_batch_1.bin", "data_batch_2.bin",
                                        "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
static const char meta_txt[] = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

static void check_names(const char *path, int line)
{
    char names[UNR_CLASSES][32];
    unr_error err;
    unr_status st = unr_data_class_names(path, names, &err);
    test_checks++;
    if (st != UNR_OK) {
        test_failures++;
        fprintf(stderr, "line %d: class names of %s: %s\n", line, path, err.message);
        return;
    }
    CHECK(strcmp(names[0], "airplane") == 0 && strcmp(names[1], "automobile") == 0 &&
              strcmp(names[9], "truck") == 0, "line %d: names %s %s %s", line, names[0], names[1], names[9]);
}

/* batches[0] is the test batch, batches[1..5] the training batches. */
static void test_folder_and_tarballs(const unsigned char *all)
{
    const unsigned char *train = all + BATCH;
    /* the official folder, reached directly and from its parent */
    mkdir(path_of("full"), 0700);
    mkdir(path_of("full/cifar-10-batches-bin"), 0700);
    char p[1200];
    for (int b = 0; b < 6; b++) {
        snprintf(p, sizeof p, "%s/%s", path_of("full/cifar-10-batches-bin"), official[b]);
        write_bytes(p, all + (size_t)b * BATCH, BATCH);
    }
    write_bytes(path_of("full/cifar-10-batches-bin/batches.meta.txt"), meta_txt, strlen(meta_txt));
    EXPECT_LOAD(path_of("full/cifar-10-batches-bin"), "test", all, BATCH);
    EXPECT_LOAD(path_of("full/cifar-10-batches-bin/"), "test", all, BATCH);
    EXPECT_LOAD(path_of("full"), "test", all, BATCH);
    EXPECT_LOAD(path_of("full"), "train", train, 5 * BATCH);
    EXPECT_LOAD(path_of("full/cifar-10-batches-bin/data_batch_3.bin"), "test", all + 3 * BATCH, BATCH);
    check_names(path_of("full"), __LINE__);
    check_names(path_of("full/cifar-10-batches-bin/test_batch.bin"), __LINE__);
    char names[UNR_CLASSES][32];
    unr_error err;
    CHECK(unr_data_class_names(path_of("small.bin"), names, &err) == UNR_ERR_IO &&
              strstr(err.message, "batches.meta.txt"), "no meta: %s", err.message);

    /* a folder missing one training batch: the others are links to the full ones */
    mkdir(path_of("partial"), 0700);
    for (int b = 0; b < 6; b++) {
        if (b == 3) continue;
        char target[1200];
        snprintf(target, sizeof target, "%s/%s", path_of("full/cifar-10-batches-bin"), official[b]);
        snprintf(p, sizeof p, "%s/%s", path_of("partial"), official[b]);
        CHECK(symlink(target, p) == 0, "symlink %s", p);
    }
    EXPECT_LOAD(path_of("partial"), "test", all, BATCH);
    EXPECT_FAIL(path_of("partial"), "train", UNR_ERR_IO, "data_batch_3.bin", NULL);

    /* the tarball, in the official member order, with a ustar prefix and a GNU long name */
    char longname[200];
    snprintf(longname, sizeof longname, "cifar-10-batches-bin/%0150d.txt", 5);
    member m[] = {
        {"cifar-10-batches-bin/", NULL, NULL, 0, '5', 0},
        {"cifar-10-batches-bin/data_batch_4.bin", NULL, all + 4 * BATCH, BATCH, '0', 0},
        {"cifar-10-batches-bin/data_batch_5.bin", NULL, all + 5 * BATCH, BATCH, '0', 0},
        {"cifar-10-batches-bin/data_batch_2.bin", NULL, all + 2 * BATCH, BATCH, '0', 0},
        {"cifar-10-batches-bin/batches.meta.txt", NULL, meta_txt, strlen(meta_txt), '0', 0},
        {"cifar-10-batches-bin/data_batch_1.bin", NULL, all + 1 * BATCH, BATCH, '0', 0},
        {longname, NULL, "x", 1, '0', 0},
        {"cifar-10-batches-bin/readme.html", NULL, "<html></html>", 13, '0', 0},
        {"cifar-10-batches-bin/data_batch_3.bin", NULL, all + 3 * BATCH, BATCH, '0', 0},
        {"test_batch.bin", "cifar-10-batches-bin", all, BATCH, '\0', 0},
    };
    int count = (int)(sizeof m / sizeof *m);
    mkdir(path_of("tgz"), 0700);
    const char *tgz = path_of("tgz/cifar-10-binary.tar.gz");
    write_tar(tgz, 1, m, count);
    EXPECT_LOAD(tgz, "test", all, BATCH);
    EXPECT_LOAD(tgz, "train", train, 5 * BATCH);
    EXPECT_LOAD(path_of("tgz"), "test", all, BATCH); /* a folder holding the tarball */
    check_names(tgz, __LINE__);
    /* an uncompressed archive (smaller, to spare the disk) */
    const char *tar = path_of("plain.tar");
    member plain[3] = {m[0], m[4], m[9]};
    write_tar(tar, 0, plain, 3);
    EXPECT_LOAD(tar, "test", all, BATCH);

    /* truncated tarballs: inside a skipped member, inside the wanted one */
    size_t n;
    unsigned char *gz = read_bytes(tgz, &n);
    write_bytes(path_of("cut.tar.gz"), gz, n / 2);
    EXPECT_FAIL(path_of("cut.tar.gz"), "test", UNR_ERR_DATA, "truncated: member 'cifar-10-batches-bin/", "cut short");
    write_bytes(path_of("cut.tar.gz"), gz, n - 3000);
    EXPECT_FAIL(path_of("cut.tar.gz"), "test", UNR_ERR_DATA, "truncated: member 'cifar-10-batches-bin/test_batch.bin'", NULL);
    write_bytes(path_of("cut.tar.gz"), gz, 20);
    EXPECT_FAIL(path_of("cut.tar.gz"), "test", UNR_ERR_DATA, NULL, NULL);
    free(gz);
    unsigned char *t = read_bytes(tar, &n);
    write_bytes(path_of("cut.tar"), t, 512 + 300); /* inside the second header (the folder has no data) */
    EXPECT_FAIL(path_of("cut.tar"), "test", UNR_ERR_DATA, "truncated inside a tar header", "'cifar-10-batches-bin/'");
    write_bytes(path_of("cut.tar"), t, n - 1024 - 512 - 100); /* inside test_batch's data */
    EXPECT_FAIL(path_of("cut.tar"), "test", UNR_ERR_DATA, "test_batch.bin", "cut short");
    free(t);

    /* corrupt and incomplete archives */
    member bad[3] = {
        {"cifar-10-batches-bin/batches.meta.txt", NULL, meta_txt, strlen(meta_txt), '0', 0},
        {"cifar-10-batches-bin/test_batch.bin", NULL, all, BATCH, '0', 1},
        {"cifar-10-batches-bin/data_batch_1.bin", NULL, all + BATCH, BATCH, '0', 0},
    };
    write_tar(path_of("sum.tar.gz"), 1, bad, 3);
    EXPECT_FAIL(path_of("sum.tar.gz"), "test", UNR_ERR_DATA, "checksum", "batches.meta.txt");
    bad[1].bad_checksum = 0;
    bad[1].len = 5 * REC;
    write_tar(path_of("small.tar.gz"), 1, bad, 3);
    EXPECT_FAIL(path_of("small.tar.gz"), "test", UNR_ERR_DATA, "member 'cifar-10-batches-bin/test_batch.bin' is 15365 bytes",
                "expected 30730000");
    EXPECT_FAIL(path_of("small.tar.gz"), "train", UNR_ERR_DATA, "no member cifar-10-batches-bin/data_batch_2.bin", NULL);
    write_tar(path_of("meta.tar.gz"), 1, bad, 1);
    EXPECT_FAIL(path_of("meta.tar.gz"), "test", UNR_ERR_DATA, "no member cifar-10-batches-bin/test_batch.bin", NULL);
    unsigned char *labels = malloc(BATCH);
    memcpy(labels, all, BATCH);
    labels[(size_t)9999 * REC] = 11;
    member lab[1] = {{"cifar-10-batches-bin/test_batch.bin", NULL, labels, BATCH, '0', 0}};
    write_tar(path_of("label.tar.gz"), 1, lab, 1);
    EXPECT_FAIL(path_of("label.tar.gz"), "test", UNR_ERR_DATA, "member 'test_batch.bin'", "record 9999");
    free(labels);
    /* gzip data that is not a tar archive */
    gzFile g = gzopen(path_of("junk.tar.gz"), "wb");
    gz_put(g, "hello, this is not a tar archive at all......", 45);
    gzclose(g);
    EXPECT_FAIL(path_of("junk.tar.gz"), "test", UNR_ERR_DATA, NULL, NULL);
}

/* Random damage to a small archive must give an error or a result, never a crash (run under
 * the sanitizers in CI). */
static void test_tar_fuzz(void)
{
    member m[3] = {
        {"cifar-10-batches-bin/", NULL, NULL, 0, '5', 0},
        {"cifar-10-batches-bin/readme.html", NULL, "<html>CIFAR-10</html>", 21, '0', 0},
        {"cifar-10-batches-bin/batches.meta.txt", NULL, meta_txt, strlen(meta_txt), '0', 0},
    };
    const char *clean = path_of("fuzz-clean.tar");
    write_tar(clean, 0, m, 3);
    size_t n;
    unsigned char *base = read_bytes(clean, &n);
    uint64_t state = 12345;
    int ok = 0, runs = 300;
    for (int it = 0; it < runs; it++) {
        unsigned char *t = malloc(n);
        memcpy(t, base, n);
        size_t len = n;
        for (int e = 0; e < 3; e++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)(state >> 33) % len;
            if ((state >> 20) % 4 == 0) len = at;
            else t[at] = (unsigned char)(state >> 40);
            if (len == 0) break;
        }
        const char *f = path_of(it % 2 ? "fuzz.tar" : "fuzz.tar.gz");
        if (it % 2) {
            write_bytes(f, t, len);
        } else {
            gzFile g = gzopen(f, "wb1");
            gz_put(g, t, len);
            gzclose(g);
        }
        char names[UNR_CLASSES][32];
        unr_error err;
        unr_status st = unr_data_class_names(f, names, &err);
        ok += st == UNR_OK;
        /* (a plain tar whose first header is damaged reads as a .bin: then the names file
         * looked for beside it is what the message names) */
        CHECK(st == UNR_OK || strstr(err.message, f) || strstr(err.message, "/batches.meta.txt: no such file"),
              "fuzz %d: '%s'", it, err.message);
        unsigned char *rec;
        size_t rlen;
        st = unr_data_load(f, "test", &rec, &rlen, &err);
        CHECK(st != UNR_OK && strstr(err.message, f), "fuzz %d: load: '%s'", it, err.message);
        if (st == UNR_OK) free(rec);
        free(t);
    }
    CHECK(ok > 0 && ok < runs, "tar fuzz: %d of %d kept their class names", ok, runs);
    free(base);
}

/* The real data, read independently: tar(1) extracts the member, or the .bin is read as is. */
static void test_real_data(void)
{
    const char *path = unr_data_default_path();
    struct stat s;
    if (!path) {
        printf("UNRAVEL_DATA not set: real-data checks skipped\n");
        return;
    }
    /* Set but missing is a broken setup (e.g. a relative path seen from the wrong folder). */
    if (stat(path, &s) != 0) {
        CHECK(0, "UNRAVEL_DATA=%s does not exist", path);
        return;
    }
    unsigned char *rec;
    size_t len;
    unr_error err;
    unr_status st = unr_data_load(path, "test", &rec, &len, &err);
    CHECK(st == UNR_OK, "%s: %s", path, err.message);
    if (st != UNR_OK) return;
    CHECK(len == BATCH, "test split is %zu bytes", len);
    int counts[10] = {0}, bad = 0;
    for (size_t r = 0; r < len / REC; r++) {
        if (rec[r * REC] > 9) bad++;
        else counts[rec[r * REC]]++;
    }
    CHECK(bad == 0, "%d labels out of range", bad);
    for (int c = 0; c < 10; c++) CHECK(counts[c] > 0, "class %d absent", c);

    unsigned char *ref = NULL;
    size_t ref_len = 0;
    if (S_ISDIR(s.st_mode)) {
        char p[1200];
        snprintf(p, sizeof p, "%s/test_batch.bin", path);
        ref = read_bytes(p, &ref_len);
        if (!ref) {
            snprintf(p, sizeof p, "%s/cifar-10-batches-bin/test_batch.bin", path);
            ref = read_bytes(p, &ref_len);
        }
    } else {
        FILE *f = fopen(path, "rb");
        unsigned char magic[2] = {0, 0};
        size_t got = f ? fread(magic, 1, 2, f) : 0;
        if (f) fclose(f);
        if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
            char cmd[1400];
            snprintf(cmd, sizeof cmd, "tar -xzOf '%s' cifar-10-batches-bin/test_batch.bin", path);
            FILE *pipe = popen(cmd, "r");
            CHECK(pipe != NULL, "popen tar");
            if (pipe) {
                ref = malloc(BATCH + 1);
                ref_len = fread(ref, 1, BATCH + 1, pipe);
                CHECK(pclose(pipe) == 0, "tar failed");
            }
        } else {
            ref = read_bytes(path, &ref_len);
        }
    }
    CHECK(ref && ref_len == BATCH, "reference read: %zu bytes", ref_len);
    if (ref && ref_len == BATCH) {
        CHECK(rec[0] == ref[0], "first label %d, tar says %d", rec[0], ref[0]);
        CHECK(memcmp(rec, ref, BATCH) == 0, "test split differs from tar's extraction");
        printf("real data: 10000 test records, first label %d, class counts %d..%d\n", rec[0],
               counts[0], counts[9]);
    }
    free(ref);
    free(rec);
    char names[UNR_CLASSES][32];
    st = unr_data_class_names(path, names, &err);
    /* A lone .bin (a valid UNRAVEL_DATA) may have no batches.meta.txt beside it. */
    if (st == UNR_ERR_IO && strstr(path, ".bin"))
        printf("real data: no batches.meta.txt beside %s: class names not checked\n", path);
    else
        CHECK(st == UNR_OK && strcmp(names[0], "airplane") == 0 && strcmp(names[9], "truck") == 0,
              "real class names: %s", err.message);
}

/* rm -r of what the test made (only names it created). */
static void cleanup(void)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/unravel-test-data-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 2;
    }
    test_view();
    test_bin_files();
    unsigned char *all = malloc(6 * BATCH);
    for (int b = 0; b < 6; b++) fill_batch(all + (size_t)b * BATCH, UNR_DATA_BATCH_RECORDS, b);
    test_folder_and_tarballs(all);
    free(all);
    test_tar_fuzz();
    cleanup();
    test_real_data();
    return test_summary("test_data");
}
