/* make_seeds.c - write the fuzzers' seed corpora (nothing from CIFAR-10 itself: synthetic
 * records with a seeded pattern).   make_seeds OUT_DIR   writes OUT_DIR/model/ and OUT_DIR/cifar/.
 * Models: each block kind, shortcut and plain variant of a small network, an F16-like and a
 * scaled one. CIFAR: .bin batches, plain tars (ustar and GNU long names) and a .tar.gz laid out
 * as the official archive (10000 test records, class names). Specs: one of each kind. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "model_builder.h"

#define RECORD 3073

static const char *out_dir;

static void write_file(const char *sub, const char *name, const void *bytes, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(bytes, 1, len, f) != len) || fclose(f)) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static unsigned char *records(int count, unsigned seed)
{
    unsigned char *r = malloc((size_t)count * RECORD);
    for (int i = 0; i < count; i++) {
        r[(size_t)i * RECORD] = (unsigned char)((i + seed) % 10);
        for (int p = 1; p < RECORD; p++) r[(size_t)i * RECORD + p] = (unsigned char)((p * 7 + i * 13 + seed) & 0xFF);
    }
    return r;
}

typedef struct buf { unsigned char *b; size_t len; } buf;

static void append(buf *t, const void *p, size_t n)
{
    t->b = realloc(t->b, t->len + n);
    if (n) memcpy(t->b + t->len, p, n);
    t->len += n;
}

/* One tar member (ustar header, data padded to 512). type '0' file, 'L' GNU long name. */
static void tar_member(buf *t, const char *name, char type, const void *data, size_t n)
{
    unsigned char h[512] = {0};
    snprintf((char *)h, 100, "%s", name);
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    snprintf((char *)h + 124, 12, "%011lo", (unsigned long)n);
    memcpy(h + 136, "00000000000", 12);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    append(t, h, 512);
    append(t, data, n);
    static const unsigned char zeros[512];
    if (n % 512) append(t, zeros, 512 - n % 512);
}

static void tar_end(buf *t)
{
    static const unsigned char zeros[1024];
    append(t, zeros, sizeof zeros);
}

static const char classes[] = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";

static void cifar_seeds(void)
{
    unsigned char *r = records(4, 1);
    write_file("cifar", "four.bin", r, 4 * RECORD);
    write_file("cifar", "one.bin", r, RECORD);
    r[RECORD] = 11; /* a label out of range */
    write_file("cifar", "bad_label.bin", r, 2 * RECORD);
    write_file("cifar", "partial.bin", r, RECORD + 100);
    free(r);

    /* plain tars: class names and a short test batch (wrong size for its official name) */
    buf t = {0};
    unsigned char *small = records(3, 2);
    tar_member(&t, "cifar-10-batches-bin/batches.meta.txt", '0', classes, strlen(classes));
    tar_member(&t, "cifar-10-batches-bin/test_batch.bin", '0', small, 3 * RECORD);
    tar_end(&t);
    write_file("cifar", "short_member.tar", t.b, t.len);
    free(t.b);
    t = (buf){0};
    const char *longname = "cifar-10-batches-bin/a-member-name-longer-than-the-hundred-bytes-of-a-plain-ustar-header/test_batch.bin";
    tar_member(&t, "././@LongLink", 'L', longname, strlen(longname) + 1);
    tar_member(&t, "cut", '0', small, 3 * RECORD);
    tar_end(&t);
    write_file("cifar", "long_name.tar", t.b, t.len);
    free(t.b);
    free(small);

    /* the official layout, gzipped: 10000 test records compress well */
    t = (buf){0};
    unsigned char *test = records(10000, 3);
    tar_member(&t, "cifar-10-batches-bin/", '5', NULL, 0);
    tar_member(&t, "cifar-10-batches-bin/batches.meta.txt", '0', classes, strlen(classes));
    tar_member(&t, "cifar-10-batches-bin/test_batch.bin", '0', test, 10000 * (size_t)RECORD);
    tar_end(&t);
    free(test);
    uLongf cap = compressBound(t.len) + 64;
    unsigned char *gz = malloc(cap);
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY); /* +16: gzip wrapper */
    z.next_in = t.b;
    z.avail_in = (uInt)t.len;
    z.next_out = gz;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
        fprintf(stderr, "make_seeds: deflate failed\n");
        exit(1);
    }
    write_file("cifar", "official_layout.tar.gz", gz, z.total_out);
    deflateEnd(&z);
    free(gz);
    free(t.b);
}

static void scale_half(const char *name, float *v, long long count, void *user)
{
    (void)name, (void)user;
    for (long long i = 0; i < count; i++) v[i] = (float)(int)(v[i] * 64) / 64; /* short mantissas */
}

static void model_seeds(void)
{
    for (int i = 0; i < MB_VARIANTS; i++) {
        char variant[32], name[64];
        mb_spec s = mb_variant(i, variant);
        size_t len;
        unsigned char *b = mb_build(&s, &len);
        snprintf(name, sizeof name, "%s.safetensors", variant);
        write_file("model", name, b, len);
        free(b);
    }
    mb_spec s = mb_small("preact", 'A');
    s.meta[0][0] = "unravel.residual_scale", s.meta[0][1] = "\"1,0.75,0.5\"";
    s.tweak = scale_half;
    size_t len;
    unsigned char *b = mb_build(&s, &len);
    write_file("model", "preact_scaled.safetensors", b, len);
    free(b);
}

/* Specs of every kind, as the page's URLs and `unravel run` carry them. */
static void spec_seeds(void)
{
    static const char *const specs[] = {
        "{\"kind\":\"eval\",\"params\":{\"deleted\":[3,7],\"order\":[1,3,2,4,5,6,7,8,9]}}",
        "{\"model\":{\"name\":\"resnet20\",\"sha256\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"},"
        "\"kind\":\"delete-one\",\"params\":{},\"seed\":1,\"images\":1000}",
        "{\"kind\":\"delete-k\",\"params\":{\"k\":[1,8],\"trials\":20,\"eligible\":\"paper\"},\"seed\":7}",
        "{\"kind\":\"delete-k\",\"params\":{\"k\":[2,2],\"eligible\":\"all\"}}",
        "{\"kind\":\"reorder\",\"params\":{\"swaps\":[1,3],\"trials\":5},\"seed\":9007199254740991}",
        "{\"kind\":\"drop\",\"params\":{\"probs\":[0.1,0.5,0.9],\"rule\":\"linear\",\"trials\":3}}",
        "{\"kind\":\"ensemble\",\"params\":{\"prob\":0.2,\"rule\":\"uniform\",\"sizes\":[1,2,4],\"trials\":2},"
        "\"data_sha256\":\"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\"}",
    };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        char name[32];
        snprintf(name, sizeof name, "spec_%zu.json", i);
        write_file("spec", name, specs[i], strlen(specs[i]));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds OUT_DIR\n");
        return 2;
    }
    out_dir = argv[1];
    mkdir(out_dir, 0755);
    model_seeds();
    cifar_seeds();
    spec_seeds();
    printf("make_seeds: corpora in %s/model, %s/cifar and %s/spec\n", out_dir, out_dir, out_dir);
    return 0;
}
