/* args.c - strict parsing of the CLI's commands and flags. */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage_error(char *msg, int len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)len, fmt, ap);
    va_end(ap);
    return 0;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

/* "a,b,c" of integers >= 1 */
static int parse_int_list(const char *s, int *out, int max, int *count)
{
    int n = 0;
    char buf[4096];
    if (strlen(s) >= sizeof buf) return 0;
    strcpy(buf, s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        long long v;
        if (n >= max || !parse_int(tok, 1, 1 << 20, &v)) return 0;
        out[n++] = (int)v;
    }
    *count = n;
    return n > 0 && s[strlen(s) - 1] != ',' && s[0] != ',' && !strstr(s, ",,");
}

static int parse_double_list(const char *s, double *out, int max, int *count)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v) || n >= max) return 0;
        out[n++] = v;
        if (*end == '\0') break;
        if (*end != ',') return 0;
        p = end + 1;
    }
    *count = n;
    return 1;
}

/* "a-b" or "a" */
static int parse_range(const char *s, int lo_limit, int *lo, int *hi)
{
    char buf[64];
    if (strlen(s) >= sizeof buf) return 0;
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    long long a, b;
    if (dash) {
        *dash = '\0';
        if (!parse_int(buf, lo_limit, 1 << 20, &a) || !parse_int(dash + 1, lo_limit, 1 << 20, &b))
            return 0;
    } else {
        if (!parse_int(buf, lo_limit, 1 << 20, &a)) return 0;
        b = a;
    }
    if (a > b) return 0;
    *lo = (int)a;
    *hi = (int)b;
    return 1;
}

static const char *const commands[] = {"info", "eval", "sweep", "run", "paths", "bench"};
static const char *const sweeps[] = {"delete-one", "delete-k", "reorder", "drop", "ensemble"};

static int one_of(const char *s, const char *const *list, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return 1;
    return 0;
}

/* Which flags each command takes: a flag given to a command it does not apply to is an error,
 * so a typo never silently runs the wrong experiment. */
static int flag_allowed(const char *cmd, const char *sweep, const char *flag)
{
    static const char *const common[] = {"--json"};
    static const char *const data[] = {"--data", "--limit", "--threads"};
    if (one_of(flag, common, 1)) return 1;
    if (!strcmp(cmd, "eval"))
        return one_of(flag, data, 3) || !strcmp(flag, "--delete") || !strcmp(flag, "--order") ||
               !strcmp(flag, "--predictions");
    if (!strcmp(cmd, "run"))
        return !strcmp(flag, "--data") || !strcmp(flag, "--threads") || !strcmp(flag, "--models") ||
               !strcmp(flag, "--any-data");
    if (!strcmp(cmd, "sweep")) {
        if (one_of(flag, data, 3)) return 1;
        if (!strcmp(sweep, "delete-one")) return 0;
        if (!strcmp(flag, "--trials") || !strcmp(flag, "--seed")) return 1;
        if (!strcmp(sweep, "delete-k")) return !strcmp(flag, "--k") || !strcmp(flag, "--eligible");
        if (!strcmp(sweep, "reorder")) return !strcmp(flag, "--swaps");
        if (!strcmp(sweep, "ensemble"))
            return !strcmp(flag, "--prob") || !strcmp(flag, "--rule") || !strcmp(flag, "--sizes");
        return !strcmp(flag, "--prob") || !strcmp(flag, "--rule");
    }
    if (!strcmp(cmd, "paths")) return !strcmp(flag, "--k");
    if (!strcmp(cmd, "bench"))
        return !strcmp(flag, "--batch") || !strcmp(flag, "--threads") || !strcmp(flag, "--seconds");
    return 0;
}

int args_parse(int argc, char **argv, args *a, char *msg, int len)
{
    memset(a, 0, sizeof *a);
    a->limit = -1;
    a->trials = 10;
    a->seed = 1;
    a->batch = 64;
    a->seconds = 3.0;
    a->rule = "uniform";
    if (argc < 2)
        return usage_error(msg, len, "usage: unravel info|eval|sweep|paths|bench MODEL [flags], "
                                     "unravel run SPEC.json (unravel --help for details)");
    a->command = argv[1];
    if (!one_of(a->command, commands, 6))
        return usage_error(msg, len, "unknown command '%s' (expected info, eval, sweep, run, paths, bench)",
                           a->command);
    int i = 2;
    if (!strcmp(a->command, "sweep")) {
        if (i >= argc || !one_of(argv[i], sweeps, 5))
            return usage_error(msg, len,
                               "sweep needs a kind: delete-one, delete-k, reorder, drop or ensemble%s%s%s",
                               i < argc ? " (got '" : "", i < argc ? argv[i] : "",
                               i < argc ? "')" : "");
        a->sweep = argv[i++];
    }
    for (; i < argc; i++) {
        const char *f = argv[i];
        if (strncmp(f, "--", 2) != 0) {
            if (a->model)
                return usage_error(msg, len, "unexpected argument '%s' (the %s is '%s')", f,
                                   strcmp(a->command, "run") ? "model" : "spec", a->model);
            a->model = f;
            continue;
        }
        if (!flag_allowed(a->command, a->sweep ? a->sweep : "", f))
            return usage_error(msg, len, "%s%s%s does not take %s", a->command, a->sweep ? " " : "",
                               a->sweep ? a->sweep : "", f);
        if (!strcmp(f, "--json") || !strcmp(f, "--any-data") || !strcmp(f, "--predictions")) {
            *(!strcmp(f, "--json") ? &a->json : !strcmp(f, "--any-data") ? &a->any_data : &a->predictions) = 1;
            continue;
        }
        if (i + 1 >= argc) return usage_error(msg, len, "%s needs a value", f);
        const char *v = argv[++i];
        long long n;
        if (!strcmp(f, "--data")) {
            a->data = v;
        } else if (!strcmp(f, "--limit")) {
            if (!parse_int(v, 1, 1 << 30, &n))
                return usage_error(msg, len, "--limit: '%s' is not a positive integer", v);
            a->limit = (int)n;
        } else if (!strcmp(f, "--threads")) {
            if (!parse_int(v, 1, 64, &n))
                return usage_error(msg, len, "--threads: '%s' is not an integer 1..64", v);
            a->threads = (int)n;
        } else if (!strcmp(f, "--delete")) {
            if (!parse_int_list(v, a->delete_blocks, ARGS_MAX_LIST, &a->num_delete))
                return usage_error(msg, len, "--delete: '%s' is not a list of block numbers like 3,7,12", v);
        } else if (!strcmp(f, "--order")) {
            if (!parse_int_list(v, a->order, ARGS_MAX_LIST, &a->num_order))
                return usage_error(msg, len, "--order: '%s' is not a list of block numbers like 1,3,2,4", v);
        } else if (!strcmp(f, "--k")) {
            if (!parse_range(v, 0, &a->k_min, &a->k_max))
                return usage_error(msg, len, "--k: '%s' is not a number or range like 1-20", v);
            a->have_k = 1;
        } else if (!strcmp(f, "--swaps")) {
            if (!parse_range(v, 0, &a->swaps_min, &a->swaps_max))
                return usage_error(msg, len, "--swaps: '%s' is not a number or range like 1-30", v);
            a->have_swaps = 1;
        } else if (!strcmp(f, "--prob")) {
            if (!parse_double_list(v, a->probs, ARGS_MAX_LIST, &a->num_probs))
                return usage_error(msg, len, "--prob: '%s' is not a list of numbers like 0.1,0.2", v);
            for (int p = 0; p < a->num_probs; p++)
                if (a->probs[p] < 0 || a->probs[p] > 1)
                    return usage_error(msg, len, "--prob: %g is not a probability in [0, 1]", a->probs[p]);
        } else if (!strcmp(f, "--sizes")) {
            if (!parse_int_list(v, a->sizes, ARGS_MAX_LIST, &a->num_sizes))
                return usage_error(msg, len, "--sizes: '%s' is not a list of ensemble sizes like 1,2,4,8", v);
        } else if (!strcmp(f, "--eligible")) {
            if (strcmp(v, "paper") && strcmp(v, "all"))
                return usage_error(msg, len, "--eligible: '%s' is not 'paper' or 'all'", v);
            a->eligible = v;
        } else if (!strcmp(f, "--models")) {
            a->models = v;
        } else if (!strcmp(f, "--rule")) {
            if (strcmp(v, "uniform") && strcmp(v, "linear"))
                return usage_error(msg, len, "--rule: '%s' is not 'uniform' or 'linear'", v);
            a->rule = v;
        } else if (!strcmp(f, "--trials")) {
            if (!parse_int(v, 1, 1000000, &n))
                return usage_error(msg, len, "--trials: '%s' is not an integer 1..1000000", v);
            a->trials = (int)n;
        } else if (!strcmp(f, "--seed")) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (end == v || *end || errno == ERANGE || v[0] == '-' || s > 9007199254740991ull)
                return usage_error(msg, len, "--seed: '%s' is not an integer from 0 to 2^53 - 1", v);
            a->seed = s;
        } else if (!strcmp(f, "--batch")) {
            if (!parse_int(v, 1, 4096, &n))
                return usage_error(msg, len, "--batch: '%s' is not an integer 1..4096", v);
            a->batch = (int)n;
        } else if (!strcmp(f, "--seconds")) {
            char *end;
            double s = strtod(v, &end);
            if (end == v || *end || !(s > 0 && s <= 600))
                return usage_error(msg, len, "--seconds: '%s' is not a duration in (0, 600]", v);
            a->seconds = s;
        }
    }
    if (!a->model && !strcmp(a->command, "run"))
        return usage_error(msg, len, "run needs a SPEC file (.json)");
    if (!a->model)
        return usage_error(msg, len, "%s needs a MODEL file (.safetensors)", a->command);
    if (a->sweep && !strcmp(a->sweep, "ensemble") && a->num_probs > 1)
        return usage_error(msg, len, "--prob: an ensemble takes one probability (got %d)", a->num_probs);
    if (a->predictions && !a->json)
        return usage_error(msg, len, "--predictions goes into the JSON output: add --json");
    return 1;
}

int args_parse_int(const char *s, long long lo, long long hi, long long *out)
{
    return parse_int(s, lo, hi, out);
}

int args_parse_range(const char *s, int lo_limit, int *lo, int *hi)
{
    return parse_range(s, lo_limit, lo, hi);
}
