/* Option parsing: one table per command, GNU-style "--name value" or "--name=value". A mistake
 * answers with what to type instead (the closest option name, the expected value). */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_fail(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "ctorch %s: error: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return EXIT_RUN;
}

int cli_fail_ct(const char *cmd, const char *what) {
  const char *e = ct_last_error();
  cli_fail(cmd, "%s: %s", what, e ? e : "failed");
  ct_clear_error();
  return EXIT_RUN;
}

static const char *type_hint(opt_type t) {
  return t == OPT_INT ? " N" : t == OPT_FLOAT ? " X" : t == OPT_STR ? " VALUE" : "";
}

void cli_print_help(const char *cmd, const char *usage, const cli_opt *opts) {
  printf("usage: ctorch %s %s\n\noptions:\n", cmd, usage);
  for (const cli_opt *o = opts; o->name; o++) {
    char left[64];
    snprintf(left, sizeof left, "%s%s", o->name, type_hint(o->type));
    printf("  %-22s %s\n", left, o->help);
  }
  printf("  %-22s %s\n", "--help", "show this help");
}

/* Levenshtein distance, for "did you mean". */
static int distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b), row[64];
  if (la > 62 || lb > 62) return 99;
  for (int j = 0; j <= lb; j++) row[j] = j;
  for (int i = 1; i <= la; i++) {
    int prev = row[0];
    row[0] = i;
    for (int j = 1; j <= lb; j++) {
      int cur = row[j], sub = prev + (a[i - 1] != b[j - 1]);
      row[j] = cur + 1 < row[j - 1] + 1 ? cur + 1 : row[j - 1] + 1;
      if (sub < row[j]) row[j] = sub;
      prev = cur;
    }
  }
  return row[lb];
}

static const cli_opt *find_opt(const cli_opt *opts, const char *name, size_t len) {
  for (const cli_opt *o = opts; o->name; o++)
    if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
  return NULL;
}

/* PyTorch's and other tools' names for our options. */
static const char *const aliases[][2] = {
    {"--learning-rate", "--lr"},   {"--optimizer", "--optim"},     {"--num-workers", "--workers"},
    {"--batch", "--batch-size"},   {"--batchsize", "--batch-size"}, {"--output", "--out"},
    {"--lr-scheduler", "--scheduler"}, {"--epoch", "--epochs"},    {"--num-threads", "--threads"},
    {"--max-norm", "--clip-grad"}, {"--validation-split", "--val-split"}, {"--input", "--input"}};

static int unknown_option(const char *cmd, const cli_opt *opts, const char *arg) {
  const cli_opt *best = NULL;
  int bd = 99;
  for (const cli_opt *o = opts; o->name; o++) {
    int d = distance(arg, o->name);
    for (size_t a = 0; a < sizeof aliases / sizeof *aliases; a++)
      if (!strcmp(arg, aliases[a][0]) && !strcmp(o->name, aliases[a][1])) d = 0;
    if (d < bd) bd = d, best = o;
  }
  if (best && bd <= 3)
    fprintf(stderr, "ctorch %s: error: unknown option '%s'; did you mean '%s'?\n", cmd, arg, best->name);
  else
    fprintf(stderr, "ctorch %s: error: unknown option '%s'\n", cmd, arg);
  fprintf(stderr, "Type 'ctorch %s --help' for the options.\n", cmd);
  return EXIT_USAGE;
}

static int set_value(const char *cmd, const cli_opt *o, const char *v) {
  char *end;
  errno = 0;
  switch (o->type) {
  case OPT_STR: *(const char **)o->dst = v; return 0;
  case OPT_INT: {
    long long x = strtoll(v, &end, 10);
    if (*v && !*end && !errno) return *(int64_t *)o->dst = x, 0;
    fprintf(stderr, "ctorch %s: error: %s expects a whole number, got '%s' (for example: %s 10)\n",
            cmd, o->name, v, o->name);
    return EXIT_USAGE;
  }
  case OPT_FLOAT: {
    double x = strtod(v, &end);
    if (*v && !*end && !errno) return *(double *)o->dst = x, 0;
    fprintf(stderr, "ctorch %s: error: %s expects a number, got '%s' (for example: %s 1e-3)\n", cmd,
            o->name, v, o->name);
    return EXIT_USAGE;
  }
  case OPT_FLAG: *(bool *)o->dst = true; return 0;
  }
  return 0;
}

int cli_parse(const char *cmd, const char *usage, const cli_opt *opts, int argc, char **argv,
              const char **pos, int max_pos, int *n_pos) {
  *n_pos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      cli_print_help(cmd, usage, opts);
      return -1;
    }
    if (strncmp(a, "--", 2) != 0) {
      if (*n_pos >= max_pos) {
        fprintf(stderr, "ctorch %s: error: unexpected argument '%s'\nusage: ctorch %s %s\n", cmd, a, cmd, usage);
        return EXIT_USAGE;
      }
      pos[(*n_pos)++] = a;
      continue;
    }
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    const cli_opt *o = find_opt(opts, a, len);
    if (!o) {
      char name[128];
      snprintf(name, sizeof name, "%.*s", (int)len, a);
      return unknown_option(cmd, opts, name);
    }
    if (o->type == OPT_FLAG) {
      if (eq) {
        fprintf(stderr, "ctorch %s: error: %s takes no value (type just %s)\n", cmd, o->name, o->name);
        return EXIT_USAGE;
      }
      *(bool *)o->dst = true;
      continue;
    }
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v) {
      fprintf(stderr, "ctorch %s: error: %s needs a value (for example: %s%s)\n", cmd, o->name, o->name,
              type_hint(o->type));
      return EXIT_USAGE;
    }
    int rc = set_value(cmd, o, v);
    if (rc) return rc;
  }
  return 0;
}
