/* data.c - CIFAR-10 batches from a .bin file, a folder or the official tarball (see data.h). */
#define _POSIX_C_SOURCE 200809L
#include "data.h"

#include "error.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define TAR_BLOCK 512
#define META_MAX 4096
#define FOLDER_NAME "cifar-10-batches-bin"
#define TARBALL_NAME "cifar-10-binary.tar.gz"

static const char *const train_names[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                          "data_batch_4.bin", "data_batch_5.bin"};
static const char *const test_names[] = {"test_batch.bin"};

const char *unr_data_default_path(void)
{
    const char *p = getenv("UNRAVEL_DATA");
    return p && *p ? p : NULL;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int is_official_batch(const char *base)
{
    if (strcmp(base, test_names[0]) == 0) return 1;
    for (size_t i = 0; i < 5; i++)
        if (strcmp(base, train_names[i]) == 0) return 1;
    return 0;
}

static int is_dir(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 && S_ISDIR(s.st_mode);
}

static int is_file(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 && S_ISREG(s.st_mode);
}

static unr_status join(char *out, size_t cap, const char *dir, const char *name, unr_error *err)
{
    size_t n = strlen(dir);
    int slash = n > 0 && dir[n - 1] == '/';
    if ((size_t)snprintf(out, cap, "%s%s%s", dir, slash ? "" : "/", name) >= cap)
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s: path too long", dir);
    return UNR_OK;
}

/* ---- plain files ---------------------------------------------------------------------- */

/* Read a whole file into dst (when cap is at least its size) or a new buffer (dst NULL). */
static unr_status read_file(const char *path, unsigned char **buf, size_t *len, unr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return unr_fail(err, UNR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat s;
    if (fstat(fileno(f), &s) != 0 || !S_ISREG(s.st_mode)) {
        fclose(f);
        return unr_fail(err, UNR_ERR_IO, "%s: not a regular file", path);
    }
    size_t n = (size_t)s.st_size;
    unsigned char *p = malloc(n ? n : 1);
    if (!p) {
        fclose(f);
        return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory for %zu bytes", path, n);
    }
    size_t got = fread(p, 1, n, f);
    int failed = ferror(f);
    fclose(f);
    if (got != n || failed) {
        free(p);
        return unr_fail(err, UNR_ERR_IO, "%s: read %zu of %zu bytes", path, got, n);
    }
    *buf = p;
    *len = n;
    return UNR_OK;
}

/* One batch file: official names must be whole 10000-record batches. */
static unr_status check_batch(const char *label, const char *base, const unsigned char *bytes,
                              size_t len, unr_error *err)
{
    if (is_official_batch(base) && len != UNR_DATA_BATCH_BYTES)
        return unr_fail(err, UNR_ERR_DATA, "%s: %zu bytes, but %s holds %d records (%zu bytes)%s",
                        label, len, base, UNR_DATA_BATCH_RECORDS, UNR_DATA_BATCH_BYTES,
                        len < UNR_DATA_BATCH_BYTES ? " (truncated?)" : "");
    unr_dataset view;
    return unr_cifar_view(bytes, len, label, &view, err);
}

static unr_status load_bin(const char *path, unsigned char **records, size_t *len, unr_error *err)
{
    unsigned char *buf;
    size_t n;
    unr_status st = read_file(path, &buf, &n, err);
    if (st != UNR_OK) return st;
    st = check_batch(path, base_name(path), buf, n, err);
    if (st != UNR_OK) {
        free(buf);
        return st;
    }
    *records = buf;
    *len = n;
    return UNR_OK;
}

static unr_status load_folder_batches(const char *dir, const char *const *names, int count,
                                      unsigned char **records, size_t *len, unr_error *err)
{
    unsigned char *all = malloc((size_t)count * UNR_DATA_BATCH_BYTES);
    if (!all) return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", dir);
    for (int i = 0; i < count; i++) {
        char path[4096];
        unsigned char *buf;
        size_t n;
        unr_status st = join(path, sizeof path, dir, names[i], err);
        if (st == UNR_OK) st = read_file(path, &buf, &n, err);
        if (st == UNR_OK) {
            st = check_batch(path, names[i], buf, n, err);
            if (st == UNR_OK) memcpy(all + (size_t)i * UNR_DATA_BATCH_BYTES, buf, n);
            free(buf);
        }
        if (st != UNR_OK) {
            free(all);
            return st;
        }
    }
    *records = all;
    *len = (size_t)count * UNR_DATA_BATCH_BYTES;
    return UNR_OK;
}

/* ---- tar archives ---------------------------------------------------------------------- */

/* A member wanted from the archive, matched by its base name. */
typedef struct tar_want {
    const char *name;
    unsigned char *dst;
    size_t cap;   /* exact size when exact, else the most accepted */
    int exact;
    size_t got;
    int found;
} tar_want;

static int header_checksum_ok(const unsigned char *h)
{
    /* The checksum field counts as spaces; old tars summed signed chars, so accept both. */
    unsigned long usum = 0;
    long ssum = 0;
    for (int i = 0; i < TAR_BLOCK; i++) {
        unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
        usum += c;
        ssum += (signed char)c;
    }
    unsigned long stored = 0;
    int i = 148, digits = 0;
    while (i < 156 && h[i] == ' ') i++;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++, digits++) stored = stored * 8 + (h[i] - '0');
    if (!digits) return 0;
    return stored == usum || (long)stored == ssum;
}

/* Octal size field, or base-256 (GNU) when the top bit is set; -1 when malformed. */
static long long header_size(const unsigned char *h)
{
    const unsigned char *f = h + 124;
    unsigned long long v = 0;
    if (f[0] & 0x80) {
        if (f[0] != 0x80 || f[1] || f[2] || f[3]) return -1; /* negative or over 2^64 */
        for (int i = 4; i < 12; i++) v = (v << 8) | f[i];
        return v > (unsigned long long)INT64_MAX ? -1 : (long long)v;
    }
    int i = 0, digits = 0;
    while (i < 12 && f[i] == ' ') i++;
    for (; i < 12 && f[i] >= '0' && f[i] <= '7'; i++, digits++) v = v * 8 + (f[i] - '0');
    if (!digits || (i < 12 && f[i] != ' ' && f[i] != '\0')) return -1;
    return (long long)v;
}

static int block_is_zero(const unsigned char *h)
{
    for (int i = 0; i < TAR_BLOCK; i++)
        if (h[i]) return 0;
    return 1;
}

static int looks_like_tar(const unsigned char *h)
{
    return memcmp(h + 257, "ustar", 5) == 0 && header_checksum_ok(h);
}

/* Read exactly n bytes (or fewer at the end of the stream); -1 on a zlib error. */
static long long gz_read_full(gzFile gz, unsigned char *dst, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done > (1u << 30) ? (1u << 30) : n - done;
        int r = gzread(gz, dst + done, (unsigned)chunk);
        if (r < 0) return -1;
        if (r == 0) break;
        done += (size_t)r;
    }
    return (long long)done;
}

static const char *gz_why(gzFile gz)
{
    int code;
    const char *msg = gzerror(gz, &code);
    return code != Z_OK && msg && *msg ? msg : "unexpected end of file";
}

/* Skip n bytes of the stream; returns the bytes actually skipped or -1. */
static long long gz_skip(gzFile gz, unsigned long long n, unsigned char *scratch, size_t cap)
{
    unsigned long long done = 0;
    while (done < n) {
        size_t chunk = n - done > cap ? cap : (size_t)(n - done);
        long long r = gz_read_full(gz, scratch, chunk);
        if (r < 0) return -1;
        done += (unsigned long long)r;
        if ((size_t)r < chunk) break;
    }
    return (long long)done;
}

/* Stream the archive once, copying the wanted members; stops when all are found. */
static unr_status tar_extract(const char *path, tar_want *want, int count, unr_error *err)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) return unr_fail(err, UNR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    gzbuffer(gz, 1u << 18);
    size_t scratch_cap = 1u << 16;
    unsigned char *scratch = malloc(scratch_cap);
    char *longname = malloc(META_MAX + 1);
    unr_status st = UNR_OK;
    if (!scratch || !longname) {
        st = unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    int have_longname = 0, remaining = count;
    char name[TAR_BLOCK], prev[TAR_BLOCK] = "";
    unsigned long long offset = 0;
    while (remaining > 0) {
        unsigned char h[TAR_BLOCK];
        long long r = gz_read_full(gz, h, TAR_BLOCK);
        if (r < 0) {
            st = unr_fail(err, UNR_ERR_DATA, "%s: corrupt after member '%s': %s", path, prev, gz_why(gz));
            goto done;
        }
        if (r == 0) break; /* the end of the archive without its end-marker blocks */
        if (r < TAR_BLOCK) {
            st = unr_fail(err, UNR_ERR_DATA, "%s: truncated inside a tar header after member '%s'",
                          path, prev);
            goto done;
        }
        if (block_is_zero(h)) break;
        if (!header_checksum_ok(h)) {
            st = unr_fail(err, UNR_ERR_DATA,
                          "%s: tar header at byte %llu (after member '%s') fails its checksum "
                          "(not a tar archive, or corrupt)", path, offset, prev);
            goto done;
        }
        long long size = header_size(h);
        if (size < 0) {
            st = unr_fail(err, UNR_ERR_DATA, "%s: tar header at byte %llu has a bad size field", path, offset);
            goto done;
        }
        offset += TAR_BLOCK;
        if (have_longname) {
            snprintf(name, sizeof name, "%s", longname);
            have_longname = 0;
        } else if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
            snprintf(name, sizeof name, "%.155s/%.100s", (const char *)h + 345, (const char *)h);
        } else {
            snprintf(name, sizeof name, "%.100s", (const char *)h);
        }
        unsigned long long padded = ((unsigned long long)size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
        char type = (char)h[156];
        tar_want *w = NULL;
        if (type == '0' || type == '\0' || type == '7') {
            for (int i = 0; i < count; i++)
                if (!want[i].found && strcmp(base_name(name), want[i].name) == 0) w = &want[i];
        }
        unsigned long long data_done = 0;
        if (type == 'L') {
            /* GNU long name: the data is the next member's name. */
            if (size > META_MAX) {
                st = unr_fail(err, UNR_ERR_DATA, "%s: tar long name of %lld bytes", path, size);
                goto done;
            }
            r = gz_read_full(gz, (unsigned char *)longname, (size_t)size);
            if (r != size) goto truncated;
            longname[size] = '\0';
            have_longname = 1;
            data_done = (unsigned long long)size;
        } else if (w) {
            if ((w->exact && (size_t)size != w->cap) || (unsigned long long)size > w->cap) {
                st = unr_fail(err, UNR_ERR_DATA, "%s: member '%s' is %lld bytes, expected %s%zu%s",
                              path, name, size, w->exact ? "" : "at most ", w->cap,
                              w->exact && (size_t)size < w->cap ? " (truncated?)" : "");
                goto done;
            }
            r = gz_read_full(gz, w->dst, (size_t)size);
            if (r != size) goto truncated;
            w->got = (size_t)size;
            w->found = 1;
            remaining--;
            data_done = (unsigned long long)size;
        }
        if (remaining > 0 && padded > data_done) {
            r = gz_skip(gz, padded - data_done, scratch, scratch_cap);
            if (r != (long long)(padded - data_done)) goto truncated;
        }
        offset += padded;
        snprintf(prev, sizeof prev, "%s", name);
        continue;
    truncated:
        st = unr_fail(err, UNR_ERR_DATA, "%s: truncated: member '%s' (%lld bytes) is cut short: %s",
                      path, name, size, gz_why(gz));
        goto done;
    }
    for (int i = 0; i < count; i++) {
        if (!want[i].found) {
            st = unr_fail(err, UNR_ERR_DATA, "%s: archive has no member %s/%s%s", path, FOLDER_NAME,
                          want[i].name, prev[0] ? "" : " (empty or not a tar archive)");
            goto done;
        }
    }
done:
    free(scratch);
    free(longname);
    gzclose(gz);
    return st;
}

static unr_status load_tar(const char *path, const char *const *names, int count,
                           unsigned char **records, size_t *len, unr_error *err)
{
    unsigned char *all = malloc((size_t)count * UNR_DATA_BATCH_BYTES);
    if (!all) return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", path);
    tar_want want[5];
    for (int i = 0; i < count; i++)
        want[i] = (tar_want){names[i], all + (size_t)i * UNR_DATA_BATCH_BYTES, UNR_DATA_BATCH_BYTES, 1, 0, 0};
    unr_status st = tar_extract(path, want, count, err);
    for (int i = 0; i < count && st == UNR_OK; i++) {
        char label[4200];
        snprintf(label, sizeof label, "%s: member '%s'", path, names[i]);
        st = check_batch(label, names[i], want[i].dst, want[i].got, err);
    }
    if (st != UNR_OK) {
        free(all);
        return st;
    }
    *records = all;
    *len = (size_t)count * UNR_DATA_BATCH_BYTES;
    return UNR_OK;
}

/* ---- finding the data ------------------------------------------------------------------ */

typedef enum source_kind { SOURCE_BIN, SOURCE_FOLDER, SOURCE_TAR } source_kind;

/* Sniff a file: gzip magic or a ustar header mean an archive, anything else a .bin batch. */
static unr_status sniff_file(const char *path, source_kind *kind, unr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return unr_fail(err, UNR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char h[TAR_BLOCK];
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) *kind = SOURCE_TAR;
    else if (n == TAR_BLOCK && looks_like_tar(h)) *kind = SOURCE_TAR;
    else *kind = SOURCE_BIN;
    return UNR_OK;
}

/* Resolve path to a .bin, a batches folder or an archive. out holds the resolved path. */
static unr_status resolve(const char *path, const char *probe, source_kind *kind, char *out,
                          size_t cap, unr_error *err)
{
    if (!path || !*path) return unr_fail(err, UNR_ERR_ARGUMENT, "no CIFAR-10 data path given (set UNRAVEL_DATA)");
    if ((size_t)snprintf(out, cap, "%s", path) >= cap)
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s: path too long", path);
    if (is_file(path)) return sniff_file(path, kind, err);
    if (!is_dir(path)) return unr_fail(err, UNR_ERR_IO, "%s: no such file or folder", path);
    char p[4096];
    unr_status st = join(p, sizeof p, path, probe, err);
    if (st != UNR_OK) return st;
    if (is_file(p)) {
        *kind = SOURCE_FOLDER;
        return UNR_OK;
    }
    if ((st = join(p, sizeof p, path, FOLDER_NAME, err)) != UNR_OK) return st;
    if (is_dir(p)) {
        char q[4096];
        if ((st = join(q, sizeof q, p, probe, err)) != UNR_OK) return st;
        if (!is_file(q))
            return unr_fail(err, UNR_ERR_IO, "%s: no %s in the folder", p, probe);
        snprintf(out, cap, "%s", p);
        *kind = SOURCE_FOLDER;
        return UNR_OK;
    }
    if ((st = join(p, sizeof p, path, TARBALL_NAME, err)) != UNR_OK) return st;
    if (is_file(p)) {
        snprintf(out, cap, "%s", p);
        *kind = SOURCE_TAR;
        return UNR_OK;
    }
    return unr_fail(err, UNR_ERR_IO, "%s: folder holds none of %s, %s/ or %s", path, probe,
                    FOLDER_NAME, TARBALL_NAME);
}

unr_status unr_data_load(const char *path, const char *split, unsigned char **records,
                         size_t *len, unr_error *err)
{
    if (!records || !len) return unr_fail(err, UNR_ERR_ARGUMENT, "unr_data_load: NULL output");
    *records = NULL;
    *len = 0;
    if (!split) split = "test";
    const char *const *names;
    int count;
    if (strcmp(split, "test") == 0) {
        names = test_names;
        count = 1;
    } else if (strcmp(split, "train") == 0) {
        names = train_names;
        count = 5;
    } else {
        return unr_fail(err, UNR_ERR_ARGUMENT, "%s: unknown split '%s' (use test or train)",
                        path ? path : "data", split);
    }
    char where[4096];
    source_kind kind;
    unr_status st = resolve(path, names[0], &kind, where, sizeof where, err);
    if (st != UNR_OK) return st;
    switch (kind) {
    case SOURCE_BIN: st = load_bin(where, records, len, err); break;
    case SOURCE_FOLDER: st = load_folder_batches(where, names, count, records, len, err); break;
    case SOURCE_TAR: st = load_tar(where, names, count, records, len, err); break;
    }
    return st == UNR_OK ? unr_ok(err) : st;
}

/* ---- class names ----------------------------------------------------------------------- */

static unr_status parse_class_names(const char *label, const unsigned char *text, size_t n,
                                    char names[UNR_CLASSES][32], unr_error *err)
{
    int found = 0;
    size_t i = 0;
    while (i < n && found < UNR_CLASSES) {
        size_t start = i;
        while (i < n && text[i] != '\n') i++;
        size_t end = i++;
        while (start < end && (text[start] == ' ' || text[start] == '\t' || text[start] == '\r')) start++;
        while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r')) end--;
        if (end == start) continue;
        if (end - start > 31)
            return unr_fail(err, UNR_ERR_DATA, "%s: class name on line %d is longer than 31 bytes",
                            label, found + 1);
        memcpy(names[found], text + start, end - start);
        names[found][end - start] = '\0';
        found++;
    }
    if (found < UNR_CLASSES)
        return unr_fail(err, UNR_ERR_DATA, "%s: %d class names, expected %d", label, found, UNR_CLASSES);
    return UNR_OK;
}

unr_status unr_data_class_names(const char *path, char names[UNR_CLASSES][32], unr_error *err)
{
    static const char meta[] = "batches.meta.txt";
    char where[4096], file[4096 + 32];
    source_kind kind;
    unr_status st = resolve(path, test_names[0], &kind, where, sizeof where, err);
    if (st != UNR_OK) return st;
    unsigned char *text = NULL;
    size_t n = 0;
    if (kind == SOURCE_TAR) {
        text = malloc(META_MAX);
        if (!text) return unr_fail(err, UNR_ERR_NOMEM, "%s: out of memory", where);
        tar_want w = {meta, text, META_MAX, 0, 0, 0};
        st = tar_extract(where, &w, 1, err);
        n = w.got;
        snprintf(file, sizeof file, "%s: member '%s'", where, meta);
    } else {
        if (kind == SOURCE_BIN) {
            /* beside the .bin file */
            const char *b = base_name(where);
            snprintf(file, sizeof file, "%.*s%s", (int)(b - where), where, meta);
        } else {
            st = join(file, sizeof file, where, meta, err);
        }
        if (st == UNR_OK && !is_file(file)) st = unr_fail(err, UNR_ERR_IO, "%s: no such file", file);
        if (st == UNR_OK) st = read_file(file, &text, &n, err);
        if (st == UNR_OK && n > META_MAX) st = unr_fail(err, UNR_ERR_DATA, "%s: too large for class names", file);
    }
    if (st == UNR_OK) st = parse_class_names(file, text, n, names, err);
    free(text);
    return st == UNR_OK ? unr_ok(err) : st;
}
