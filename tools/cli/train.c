/* `ctorch train`: a model from JSON, trained with cross-entropy and an optimizer chosen by
 * name; after every epoch the test loss and accuracy, then checkpoints (model, optimizer,
 * run state) written to temporary files and renamed, so an interrupted run never leaves a
 * broken one, and `--resume run/` continues to the numbers an uninterrupted run gives: every
 * epoch reseeds the shuffle and dropout generators from (seed, epoch). */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct train_opts {
  const char *model, *data, *optim, *out, *resume, *scheduler, *scheduler_args, *init_from;
  double lr, weight_decay, momentum, clip_grad, val_split;
  int64_t epochs, batch_size, threads, seed, workers, subset, test_subset;
  cli_data_opts dopt;
} train_opts;

/* ---- files -------------------------------------------------------------------------------------- */
void cli_path(char *out, size_t n, const char *dir, const char *name) {
  size_t l = strlen(dir);
  snprintf(out, n, "%s%s%s", dir, l && dir[l - 1] == '/' ? "" : "/", name);
}

int cli_make_dir(const char *dir) {
  char p[2048];
  snprintf(p, sizeof p, "%s", dir);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) return -1;
    *s = '/';
  }
  if (mkdir(p, 0777) != 0 && errno != EEXIST) return -1;
  char probe[2100];
  cli_path(probe, sizeof probe, dir, ".ctorch-write-test");
  FILE *f = fopen(probe, "w");
  if (!f) return -1;
  fclose(f);
  return unlink(probe);
}

/* Writes by write(tmp), then rename(tmp, path): a reader sees the old file or the new one. */
typedef int (*write_fn)(const void *obj, const char *path);
static int write_atomic(const char *path, write_fn fn, const void *obj) {
  char tmp[2200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (fn(obj, tmp) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}
static int save_model(const void *m, const char *p) { return ct_module_save(m, p); }
static int save_optim(const void *o, const char *p) { return ct_optim_save(o, p); }
static int save_text(const void *text, const char *p) {
  FILE *f = fopen(p, "w");
  if (!f) return -1;
  int bad = fputs(text, f) < 0;
  return fclose(f) != 0 || bad ? -1 : 0;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) free(s), s = NULL;
  if (s) s[n] = 0;
  fclose(f);
  return s;
}

/* ---- run state: the options and the history, as run/state.json -------------------------------- */
static const struct {
  const char *key;
  size_t off;
  bool is_int;
} state_fields[] = {
#define F(k, f, i) {k, offsetof(train_opts, f), i}
    F("lr", lr, 0),           F("weight_decay", weight_decay, 0), F("momentum", momentum, 0),
    F("clip_grad", clip_grad, 0), F("val_split", val_split, 0), F("batch_size", batch_size, 1),
    F("seed", seed, 1),       F("subset", subset, 1),         F("test_subset", test_subset, 1),
    F("label_column", dopt.label_column, 1), F("test_split", dopt.test_split, 0),
    F("channels", dopt.channels, 1), F("padding", dopt.padding, 1),
#undef F
};

/* The optional string options a run keeps (NULL when not given). */
#define STATE_STRINGS(o) \
  &(o)->scheduler, &(o)->scheduler_args, &(o)->dopt.header, &(o)->dopt.test_data, &(o)->dopt.normalize
enum { N_STATE_STRINGS = 5 };
static const char *const state_string_keys[N_STATE_STRINGS] = {"scheduler", "scheduler_args", "header", "test_data",
                                                               "normalize"};

static char *state_json(const train_opts *o, const cli_history *h, int64_t steps) {
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "data", o->data);
  cJSON_AddStringToObject(j, "optim", o->optim);
  const char *const *strs[] = {STATE_STRINGS(o)};
  for (int i = 0; i < N_STATE_STRINGS; i++)
    if (*strs[i]) cJSON_AddStringToObject(j, state_string_keys[i], *strs[i]);
  cJSON_AddBoolToObject(j, "augment", o->dopt.augment);
  for (size_t i = 0; i < sizeof state_fields / sizeof *state_fields; i++) {
    const char *p = (const char *)o + state_fields[i].off;
    cJSON_AddNumberToObject(j, state_fields[i].key,
                            state_fields[i].is_int ? (double)*(const int64_t *)p : *(const double *)p);
  }
  cJSON_AddNumberToObject(j, "epochs_done", h->n);
  cJSON_AddNumberToObject(j, "steps_done", (double)steps);
  const double *cols[] = {h->train_loss, h->test_loss, h->test_acc, h->val_loss, h->val_acc, h->secs};
  const char *names[] = {"train_loss", "test_loss", "test_accuracy", "val_loss", "val_accuracy", "seconds"};
  for (int c = 0; c < 6; c++) cJSON_AddItemToObject(j, names[c], cJSON_CreateDoubleArray(cols[c], h->n));
  char *s = cJSON_Print(j);
  cJSON_Delete(j);
  return s;
}

/* Options and history from run/state.json; the strings stay valid (kept in *keep). */
static int load_state(const char *cmd, const char *dir, train_opts *o, cli_history *h, int64_t *steps, cJSON **keep) {
  char path[2100];
  cli_path(path, sizeof path, dir, "state.json");
  char *text = read_text(path);
  if (!text) return cli_fail(cmd, "--resume %s: cannot read %s (%s); is it the --out folder of a run?", dir, path, strerror(errno));
  cJSON *j = cJSON_Parse(text);
  free(text);
  cJSON *data = cJSON_GetObjectItem(j, "data"), *optim = cJSON_GetObjectItem(j, "optim"),
        *done = cJSON_GetObjectItem(j, "epochs_done");
  if (!cJSON_IsString(data) || !cJSON_IsString(optim) || !cJSON_IsNumber(done) || done->valueint > 1024) {
    cJSON_Delete(j);
    return cli_fail(cmd, "--resume %s: %s is not a ctorch run state", dir, path);
  }
  o->data = data->valuestring;
  o->optim = optim->valuestring;
  const char **strs[] = {STATE_STRINGS(o)};
  for (int i = 0; i < N_STATE_STRINGS; i++) {
    cJSON *v = cJSON_GetObjectItem(j, state_string_keys[i]);
    if (cJSON_IsString(v)) *strs[i] = v->valuestring;
  }
  o->dopt.augment = cJSON_IsTrue(cJSON_GetObjectItem(j, "augment"));
  for (size_t i = 0; i < sizeof state_fields / sizeof *state_fields; i++) {
    cJSON *v = cJSON_GetObjectItem(j, state_fields[i].key);
    char *p = (char *)o + state_fields[i].off;
    if (!cJSON_IsNumber(v)) continue;
    if (state_fields[i].is_int) *(int64_t *)p = (int64_t)v->valuedouble;
    else *(double *)p = v->valuedouble;
  }
  h->n = done->valueint;
  cJSON *st = cJSON_GetObjectItem(j, "steps_done");
  *steps = cJSON_IsNumber(st) ? (int64_t)st->valuedouble : 0;
  double *cols[] = {h->train_loss, h->test_loss, h->test_acc, h->val_loss, h->val_acc, h->secs};
  const char *names[] = {"train_loss", "test_loss", "test_accuracy", "val_loss", "val_accuracy", "seconds"};
  for (int c = 0; c < 6; c++) {
    cJSON *a = cJSON_GetObjectItem(j, names[c]);
    for (int i = 0; i < h->n; i++) {
      cJSON *v = cJSON_GetArrayItem(a, i);
      cols[c][i] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    }
  }
  *keep = j;
  return 0;
}

/* ---- optimizer by name -------------------------------------------------------------------------- */
static const char *const optim_names[] = {"SGD",     "Adam",  "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
                                          "NAdam",   "RAdam", "Rprop", "ASGD",    NULL};

static ct_optim *make_optim(const char *cmd, const train_opts *o, ct_module *model) {
  const char *name = NULL;
  for (int i = 0; optim_names[i]; i++)
    if (!strcasecmp(o->optim, optim_names[i])) name = optim_names[i];
  if (!name) {
    cli_fail(cmd, "unknown optimizer '%s'; type --optim with one of: sgd, adam, adamw, rmsprop, adagrad, adadelta, "
             "adamax, nadam, radam, rprop, asgd", o->optim);
    return NULL;
  }
  ct_tensor_map *params = ct_module_named_parameters(model, true);
  ct_tensor *ps[4096];
  int n = 0;
  for (int i = 0; params && i < ct_tensor_map_size(params) && n < 4096; i++) ps[n++] = ct_tensor_map_at(params, i);
  ct_values kw = CT_VALUES(ct_v_kw("lr", ct_v_float(o->lr)));
  if (o->weight_decay) ct_values_push(&kw, ct_v_kw("weight_decay", ct_v_float(o->weight_decay)));
  if (o->momentum) ct_values_push(&kw, ct_v_kw("momentum", ct_v_float(o->momentum)));
  ct_optim *opt = ct_optim_create(name, ps, n, &kw);
  ct_tensor_map_free(params);
  if (!opt) cli_fail_ct(cmd, "cannot create the optimizer");
  return opt;
}

/* ---- the learning-rate scheduler ------------------------------------------------------------- */
/* --scheduler's short names and the classes' names in lower case. */
static const char *const sched_names[][2] = {
    {"step", "StepLR"},           {"steplr", "StepLR"},
    {"multistep", "MultiStepLR"}, {"multisteplr", "MultiStepLR"},
    {"exponential", "ExponentialLR"}, {"exponentiallr", "ExponentialLR"},
    {"cosine", "CosineAnnealingLR"}, {"cosineannealinglr", "CosineAnnealingLR"},
    {"cosine-restarts", "CosineAnnealingWarmRestarts"}, {"cosineannealingwarmrestarts", "CosineAnnealingWarmRestarts"},
    {"onecycle", "OneCycleLR"},   {"onecyclelr", "OneCycleLR"},
    {"cyclic", "CyclicLR"},       {"cycliclr", "CyclicLR"},
    {"plateau", "ReduceLROnPlateau"}, {"reducelronplateau", "ReduceLROnPlateau"},
    {"linear", "LinearLR"},       {"linearlr", "LinearLR"},
    {"constant", "ConstantLR"},   {"constantlr", "ConstantLR"},
    {"polynomial", "PolynomialLR"}, {"polynomiallr", "PolynomialLR"},
};

static const char *sched_class(const char *name) {
  for (size_t i = 0; i < sizeof sched_names / sizeof *sched_names; i++)
    if (!strcasecmp(name, sched_names[i][0])) return sched_names[i][1];
  return NULL;
}

/* OneCycleLR and CyclicLR step after every batch, the others after every epoch. */
static bool sched_per_batch(const char *cls) { return !strcmp(cls, "OneCycleLR") || !strcmp(cls, "CyclicLR"); }

/* "KEY=" at the start of one of the comma-separated items of args. */
static bool has_arg(const char *args, const char *key) {
  size_t n = strlen(key);
  for (const char *p = args; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (!strncmp(p, key, n) && p[n] == '=') return true;
  return false;
}

/* Appends ",KEY=VALUE" to args (in place, cap bytes) unless KEY is there. */
static void default_arg(char *args, size_t cap, const char *key, const char *value) {
  if (has_arg(args, key)) return;
  size_t l = strlen(args);
  snprintf(args + l, cap - l, "%s%s=%s", l ? "," : "", key, value);
}

/* One value of --scheduler-args: true/false, an integer, a number, a tuple a:b:c, or a word
 * (kept in buf, which outlives kw). */
static int push_value(ct_values *kw, const char *key, char *text) {
  char *end;
  if (strchr(text, ':')) {
    int n = 1;
    for (char *c = text; *c; c++) n += *c == ':';
    if (ct_values_push(kw, ct_v_kw(key, ct_v_tuple(n)))) return -1;
    for (char *tok = strtok_r(text, ":", &end); tok; tok = strtok_r(NULL, ":", &end))
      if (ct_values_push(kw, ct_v_float(strtod(tok, NULL)))) return -1;
    return 0;
  }
  long long iv = strtoll(text, &end, 10);
  if (!*end && end != text) return ct_values_push(kw, ct_v_kw(key, ct_v_int(iv)));
  double fv = strtod(text, &end);
  if (!*end && end != text) return ct_values_push(kw, ct_v_kw(key, ct_v_float(fv)));
  if (!strcasecmp(text, "true") || !strcasecmp(text, "false"))
    return ct_values_push(kw, ct_v_kw(key, ct_v_bool(!strcasecmp(text, "true"))));
  return ct_values_push(kw, ct_v_kw(key, ct_v_str(text)));
}

/* --scheduler NAME --scheduler-args k=v,k=v: ct_lr_scheduler_create by class name, with
 * CosineAnnealingLR's T_max (the epochs) and OneCycleLR's max_lr (--lr) and total_steps
 * (every batch of the run) filled in when not given; o->scheduler_args becomes the filled-in
 * list (in args, kept in the run state so a resumed run rebuilds the same schedule). buf keeps
 * the strings. */
static ct_lr_scheduler *make_scheduler(const char *cmd, train_opts *o, ct_optim *opt, int64_t batches,
                                       char *args, char *buf, size_t cap) {
  const char *cls = sched_class(o->scheduler);
  if (!cls) {
    cli_fail(cmd, "unknown scheduler '%s'; type --scheduler with one of: step, multistep, exponential, cosine, "
             "cosine-restarts, onecycle, cyclic, plateau, linear, constant, polynomial (or the PyTorch class name)",
             o->scheduler);
    return NULL;
  }
  ct_values kw = {0};
  char num[64];
  snprintf(args, cap, "%s", o->scheduler_args ? o->scheduler_args : "");
  if (!strcmp(cls, "CosineAnnealingLR")) snprintf(num, sizeof num, "%lld", (long long)o->epochs), default_arg(args, cap, "T_max", num);
  if (!strcmp(cls, "OneCycleLR")) {
    snprintf(num, sizeof num, "%.17g", o->lr), default_arg(args, cap, "max_lr", num);
    snprintf(num, sizeof num, "%lld", (long long)(o->epochs * batches));
    if (!has_arg(args, "epochs")) default_arg(args, cap, "total_steps", num);
  }
  o->scheduler_args = args;
  snprintf(buf, cap, "%s", args);
  char *save;
  for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '=');
    if (!eq || eq == item) {
      cli_fail(cmd, "--scheduler-args: '%s' is not KEY=VALUE; type for example --scheduler-args step_size=2,gamma=0.5",
               item);
      return NULL;
    }
    *eq = 0;
    if (push_value(&kw, item, eq + 1)) {
      cli_fail(cmd, "--scheduler-args: too many values");
      return NULL;
    }
  }
  ct_lr_scheduler *sc = ct_lr_scheduler_create(cls, opt, &kw);
  if (!sc) cli_fail_ct(cmd, "--scheduler: cannot create it");
  return sc;
}

static int save_sched(const void *sc, const char *p) {
  ct_tensor_map *sd = ct_lr_scheduler_state_dict(sc);
  int rc = sd ? ct_safetensors_save(p, sd) : -1;
  ct_tensor_map_free(sd);
  return rc;
}

static int load_sched(ct_lr_scheduler *sc, const char *p) {
  ct_tensor_map *sd = ct_safetensors_load(p);
  int rc = sd ? ct_lr_scheduler_load_state_dict(sc, sd) : -1;
  ct_tensor_map_free(sd);
  return rc;
}

/* ---- the run ------------------------------------------------------------------------------------ */
typedef struct run {
  train_opts o;
  const char *cmd;
  ct_module *model;
  ct_optim *opt;
  ct_lr_scheduler *sched; /* NULL: none */
  bool sched_per_batch;
  char sched_buf[1024];   /* --scheduler-args' strings */
  char sched_args[1024];  /* --scheduler-args with the defaults filled in */
  cli_data data;
  ct_dataset *train, *val;
  ct_generator *shuffle;
  cli_history h;
  int64_t step;
  char path_model[2100], path_optim[2100], path_state[2100], path_sched[2100];
} run;

/* One epoch of training; the mean training loss, or NaN after printing why it stopped. */
static double train_epoch(run *r, int epoch) {
  ct_dataloader *dl = ct_dataloader_new(r->train, .batch_size = r->o.batch_size, .shuffle = true,
                                        .generator = r->shuffle, .num_workers = (int)r->o.workers);
  if (!dl) return cli_fail_ct(r->cmd, "cannot make the data loader"), NAN;
  cli_progress p;
  cli_progress_start(&p, epoch, (int)r->o.epochs, ct_dataloader_len(dl), r->o.batch_size);
  ct_module_train(r->model, true);
  double sum = 0;
  int64_t seen = 0, batch = 0;
  ct_sample b;
  int got;
  for (;;) {
    ct_scope_begin();
    if ((got = ct_dataloader_next(dl, &b)) <= 0) {
      ct_scope_end();
      break;
    }
    r->step++, batch++;
    ct_optim_zero_grad(r->opt, true);
    ct_tensor *loss = ct_cross_entropy(ct_forward(r->model, b.t[0]), b.t[1]);
    double lv = loss ? ct_item(loss) : NAN;
    if (loss && !isfinite(lv)) {
      ct_scope_end();
      cli_progress_end(&p);
      if (r->h.n)
        cli_fail(r->cmd, "the loss is %s at step %lld (epoch %d, batch %lld); stopped. The last good checkpoint is %s "
                 "(epoch %d); try a smaller --lr or --clip-grad 1.0", isnan(lv) ? "nan" : "infinite", (long long)r->step,
                 epoch, (long long)batch, r->path_model, r->h.n);
      else
        cli_fail(r->cmd, "the loss is %s at step %lld (epoch %d, batch %lld); stopped before the first checkpoint "
                 "(none was written); try a smaller --lr or --clip-grad 1.0", isnan(lv) ? "nan" : "infinite",
                 (long long)r->step, epoch, (long long)batch);
      ct_dataloader_free(dl);
      return NAN;
    }
    int rc = loss ? ct_backward(loss) : -1;
    if (rc == 0 && r->o.clip_grad > 0 && !ct_nn_utils_clip_grad_norm_module_(r->model, r->o.clip_grad)) rc = -1;
    if (rc == 0) rc = ct_optim_step(r->opt);
    if (rc == 0 && r->sched && r->sched_per_batch) rc = ct_lr_scheduler_step(r->sched);
    int64_t bs = ct_size(b.t[1], 0);
    ct_scope_end();
    if (rc != 0) {
      cli_progress_end(&p);
      cli_fail_ct(r->cmd, "training step failed");
      ct_dataloader_free(dl);
      return NAN;
    }
    sum += lv * (double)bs;
    seen += bs;
    cli_progress_step(&p, batch, lv);
  }
  cli_progress_end(&p);
  ct_dataloader_free(dl);
  if (got < 0) return cli_fail_ct(r->cmd, "cannot read a batch"), NAN;
  return seen ? sum / (double)seen : 0;
}

/* Checkpoints and reports after an epoch; nothing half-written is ever left under its name. */
static int save_epoch(run *r) {
  char *state = state_json(&r->o, &r->h, r->step);
  char p[2100];
  int rc = state && write_atomic(r->path_model, save_model, r->model) == 0 &&
                   write_atomic(r->path_optim, save_optim, r->opt) == 0 &&
                   (!r->sched || write_atomic(r->path_sched, save_sched, r->sched) == 0) &&
                   write_atomic(r->path_state, save_text, state) == 0
               ? 0
               : -1;
  free(state);
  if (rc) {
    const char *e = ct_last_error();
    cli_fail(r->cmd, "cannot write the checkpoint in %s: %s", r->o.out, e ? e : strerror(errno));
    ct_clear_error();
    return EXIT_RUN;
  }
  bool val = r->val != NULL;
  cli_path(p, sizeof p, r->o.out, "metrics.csv");
  rc |= cli_write_curves_csv(p, &r->h, val);
  cli_path(p, sizeof p, r->o.out, "curves.png");
  cli_write_curves_png(p, &r->h, val); /* optional: needs libstb-dev */
  cli_path(p, sizeof p, r->o.out, "confusion.csv");
  rc |= cli_write_confusion_csv(p, r->data.confusion, r->data.n_classes, r->data.classes);
  if (rc) return cli_fail(r->cmd, "cannot write the reports in %s: %s", r->o.out, strerror(errno));
  return 0;
}

static int run_epochs(run *r) {
  for (int e = r->h.n + 1; e <= r->o.epochs; e++) {
    /* per-epoch seeds: a resumed run draws what the uninterrupted one drew */
    ct_generator_manual_seed(r->shuffle, (uint64_t)r->o.seed * 1000003u + (uint64_t)e);
    /* --augment: this epoch's crops and flips (a fresh loader each epoch starts at the set one) */
    if (r->o.dopt.augment && ct_dataset_transform_set_epoch(r->train, e) != 0) ct_clear_error();
    ct_manual_seed((uint64_t)r->o.seed * 7919u + (uint64_t)e);
    double t0 = cli_now();
    double tl = train_epoch(r, e);
    if (isnan(tl)) return EXIT_RUN;
    double secs = cli_now() - t0;
    cli_metrics test = {.confusion = r->data.confusion}, val = {0};
    if (cli_evaluate(r->model, r->data.test, 256, r->data.n_classes, &test) != 0 ||
        (r->val && cli_evaluate(r->model, r->val, 256, r->data.n_classes, &val) != 0))
      return cli_fail_ct(r->cmd, "evaluation failed");
    int i = r->h.n++;
    r->h.train_loss[i] = tl, r->h.test_loss[i] = test.loss, r->h.test_acc[i] = test.accuracy;
    r->h.val_loss[i] = val.loss, r->h.val_acc[i] = val.accuracy, r->h.secs[i] = secs;
    printf("epoch %d/%lld: train loss %.4f", e, (long long)r->o.epochs, tl);
    if (r->val) printf(", val loss %.4f, val accuracy %.2f%%", val.loss, 100 * val.accuracy);
    printf(", test loss %.4f, test accuracy %.2f%% (%.1f s)\n", test.loss, 100 * test.accuracy, secs);
    fflush(stdout);
    /* ReduceLROnPlateau watches the validation loss (the test loss without --val-split) */
    if (r->sched && !r->sched_per_batch &&
        (!strcmp(ct_lr_scheduler_name(r->sched), "ReduceLROnPlateau")
             ? ct_lr_scheduler_step_metric(r->sched, r->val ? val.loss : test.loss)
             : ct_lr_scheduler_step(r->sched)) != 0)
      return cli_fail_ct(r->cmd, "--scheduler: the step failed");
    int rc = save_epoch(r);
    if (rc) return rc;
  }
  return 0;
}

/* The datasets of the run: subsets, validation split (seeded), in place in r. */
static int setup_data(run *r) {
  ct_manual_seed((uint64_t)r->o.seed); /* --augment's base seed */
  int rc = cli_data_open(r->cmd, r->o.data, &r->o.dopt, &r->data);
  if (rc) return rc;
  r->train = ct_dataset_retain(r->data.train);
  if (cli_data_limit(&r->train, r->o.subset) || cli_data_limit(&r->data.test, r->o.test_subset))
    return cli_fail_ct(r->cmd, "cannot take a subset");
  if (r->o.val_split > 0) {
    if (r->o.val_split >= 1) return cli_fail(r->cmd, "--val-split is a fraction, for example --val-split 0.1");
    ct_generator *g = ct_generator_new((uint64_t)r->o.seed);
    ct_dataset *parts[2];
    rc = ct_random_split(r->train, (double[]){1 - r->o.val_split, r->o.val_split}, 2, g, parts);
    ct_generator_free(g);
    if (rc) return cli_fail_ct(r->cmd, "cannot split off the validation set");
    ct_dataset_free(r->train);
    r->train = parts[0], r->val = parts[1];
  }
  return 0;
}

static int check_opts(const char *cmd, const train_opts *o) {
  if (o->epochs < 1) return cli_fail(cmd, "--epochs must be at least 1, for example --epochs 5");
  if (o->batch_size < 1) return cli_fail(cmd, "--batch-size must be at least 1, for example --batch-size 64");
  if (!(o->lr > 0)) return cli_fail(cmd, "--lr must be a positive number, for example --lr 1e-3");
  if (o->workers < 0) return cli_fail(cmd, "--workers must be 0 or more");
  if (o->scheduler_args && !o->scheduler)
    return cli_fail(cmd, "--scheduler-args without --scheduler; type for example --scheduler step --scheduler-args step_size=2");
  return 0;
}

/* Start (model from JSON, copied into the run folder) or resume (model, optimizer and state
 * from the run folder). */
static int setup_model(run *r) {
  char json_copy[2100];
  cli_path(json_copy, sizeof json_copy, r->o.out, "model.json");
  const char *src = r->o.resume ? json_copy : r->o.model;
  ct_manual_seed((uint64_t)r->o.seed); /* the initial weights */
  if (!(r->model = cli_load_model(r->cmd, src))) return EXIT_RUN;
  if (!(r->opt = make_optim(r->cmd, &r->o, r->model))) return EXIT_RUN;
  if (r->o.scheduler) {
    int64_t n = ct_dataset_len(r->train), batches = (n + r->o.batch_size - 1) / r->o.batch_size;
    if (!(r->sched = make_scheduler(r->cmd, &r->o, r->opt, batches, r->sched_args, r->sched_buf, sizeof r->sched_buf))) return EXIT_RUN;
    r->sched_per_batch = sched_per_batch(ct_lr_scheduler_name(r->sched));
  }
  if (r->o.resume) {
    int rc = cli_load_weights(r->cmd, r->model, r->path_model, json_copy);
    if (rc) return rc;
    if (ct_optim_load(r->opt, r->path_optim) != 0) return cli_fail_ct(r->cmd, r->path_optim);
    if (r->sched && load_sched(r->sched, r->path_sched) != 0) return cli_fail_ct(r->cmd, r->path_sched);
    return 0;
  }
  if (r->o.init_from) { /* the starting weights, from PyTorch (.pth) or ctorch (.safetensors) */
    int rc = cli_load_weights(r->cmd, r->model, r->o.init_from, r->o.model);
    if (rc) return rc;
    printf("initial weights from %s\n", r->o.init_from);
  }
  char *text = read_text(r->o.model);
  int rc = text ? write_atomic(json_copy, save_text, text) : -1;
  free(text);
  return rc ? cli_fail(r->cmd, "cannot copy %s into %s: %s", r->o.model, r->o.out, strerror(errno)) : 0;
}

int cmd_train(int argc, char **argv) {
  run *r = calloc(1, sizeof *r);
  if (!r) return EXIT_RUN;
  r->cmd = "train";
  train_opts *o = &r->o;
  *o = (train_opts){.data = "fashion-mnist", .optim = "adam", .lr = 1e-3, .epochs = 5, .batch_size = 64, .seed = 0,
                    .dopt = CLI_DATA_OPTS_DEFAULT};
  int64_t epochs = -1;
  const char *pos[1];
  const cli_opt opts[] = {
      {"--model", OPT_STR, &o->model, "the model, JSON (models/*.json; docs/nn-json-models.md)"},
      {"--data", OPT_STR, &o->data, "fashion-mnist (default), mnist, a folder with the four IDX files, a CSV file, "
                                    "or an image folder (a subfolder per class)"},
      {"--epochs", OPT_INT, &epochs, "epochs in all (5); with --resume, the total to reach"},
      {"--optim", OPT_STR, &o->optim, "optimizer: adam (default), sgd, adamw, rmsprop, ..."},
      {"--lr", OPT_FLOAT, &o->lr, "learning rate (1e-3)"},
      {"--momentum", OPT_FLOAT, &o->momentum, "momentum (sgd, rmsprop)"},
      {"--weight-decay", OPT_FLOAT, &o->weight_decay, "weight decay (0)"},
      {"--clip-grad", OPT_FLOAT, &o->clip_grad, "clip the gradients' total norm to this (off)"},
      {"--batch-size", OPT_INT, &o->batch_size, "samples per batch (64)"},
      {"--threads", OPT_INT, &o->threads, "CPU threads (default: all)"},
      {"--workers", OPT_INT, &o->workers, "data loader threads preparing the next batches (0)"},
      {"--seed", OPT_INT, &o->seed, "random seed: weights, shuffling, dropout (0)"},
      {"--val-split", OPT_FLOAT, &o->val_split, "fraction of the training set held out for validation (0)"},
      {"--subset", OPT_INT, &o->subset, "train on the first N samples only"},
      {"--test-subset", OPT_INT, &o->test_subset, "test on the first N samples only"},
      {"--scheduler", OPT_STR, &o->scheduler, "learning-rate scheduler: step, multistep, exponential, cosine, onecycle, "
                                              "cyclic, plateau, ... (or the PyTorch class name)"},
      {"--scheduler-args", OPT_STR, &o->scheduler_args, "its keywords, KEY=VALUE,... (step_size=2,gamma=0.5; "
                                                        "milestones=2:4); cosine's T_max and onecycle's max_lr, "
                                                        "total_steps default to the run's"},
      CLI_DATA_OPT_ROWS(&o->dopt),
      {"--out", OPT_STR, &o->out, "run folder: checkpoints, metrics.csv, curves.png, confusion.csv"},
      {"--resume", OPT_STR, &o->resume, "continue the run in this folder"},
      {"--init-from", OPT_STR, &o->init_from, "start from these weights: a .pth/.pt state_dict or checkpoint (PyTorch), or .safetensors"},
      {0}};
  int n_pos, rc = cli_parse("train", "--model MODEL.json --data fashion-mnist --epochs N --out run/ [options]", opts,
                            argc, argv, pos, 0, &n_pos);
  cJSON *state = NULL;
  if (rc) goto done;
  if (o->resume) {
    static const char *const kept[] = {"--resume", "--epochs", "--threads", "--workers", NULL};
    for (int i = 1; i < argc; i++) {
      bool ok = strncmp(argv[i], "--", 2) != 0;
      for (int k = 0; kept[k] && !ok; k++)
        ok = !strncmp(argv[i], kept[k], strlen(kept[k])) && (!argv[i][strlen(kept[k])] || argv[i][strlen(kept[k])] == '=');
      if (!ok) {
        rc = cli_fail(r->cmd, "%s cannot change with --resume: a resumed run keeps its options (%s/state.json); only "
                      "--epochs, --threads and --workers apply", argv[i], o->resume);
        goto done;
      }
    }
    if (o->out && strcmp(o->out, o->resume)) {
      rc = cli_fail(r->cmd, "--resume %s continues that folder; leave --out out", o->resume);
      goto done;
    }
    o->out = o->resume;
    if ((rc = load_state(r->cmd, o->resume, o, &r->h, &r->step, &state))) goto done;
  } else if (!o->model) {
    rc = cli_fail(r->cmd, "no model given; type --model models/fashion_cnn.json (or --resume run/ to continue a run)");
    goto done;
  } else if (!o->out) {
    rc = cli_fail(r->cmd, "no output folder given; type --out run/ (checkpoints and reports go there)");
    goto done;
  }
  if (epochs >= 0) o->epochs = epochs;
  if ((rc = check_opts(r->cmd, o))) goto done;
  if (cli_make_dir(o->out) != 0) {
    rc = cli_fail(r->cmd, "cannot write to the output folder '%s': %s; give --out a folder you can write", o->out,
                  strerror(errno));
    goto done;
  }
  if (o->threads > 0) ct_set_num_threads((int)o->threads);
  cli_path(r->path_model, sizeof r->path_model, o->out, "model.safetensors");
  cli_path(r->path_optim, sizeof r->path_optim, o->out, "optim.safetensors");
  cli_path(r->path_state, sizeof r->path_state, o->out, "state.json");
  cli_path(r->path_sched, sizeof r->path_sched, o->out, "scheduler.safetensors");
  if ((rc = setup_data(r)) || (rc = setup_model(r))) goto done;
  if (!(r->shuffle = ct_generator_new((uint64_t)o->seed))) goto done;
  printf("training %s (%lld parameters) on %s: %lld samples, test %lld, %s lr %g, batch %lld, %d threads\n",
         o->resume ? "the resumed run" : o->model, (long long)ct_module_num_parameters(r->model, true), r->data.root,
         (long long)ct_dataset_len(r->train), (long long)ct_dataset_len(r->data.test), o->optim, o->lr,
         (long long)o->batch_size, ct_get_num_threads());
  if (r->h.n >= o->epochs) printf("already trained for %d epochs (--epochs %lld): nothing to do\n", r->h.n, (long long)o->epochs);
  int before = r->h.n;
  if ((rc = run_epochs(r)) == 0 && r->h.n > before) {
    cli_print_confusion(stdout, r->data.confusion, r->data.n_classes, r->data.classes);
    printf("saved %s, %s; reports in %s (metrics.csv, curves.png, confusion.csv)\n", r->path_model, r->path_optim, o->out);
  }
done:
  ct_generator_free(r->shuffle);
  ct_lr_scheduler_free(r->sched);
  ct_optim_free(r->opt);
  ct_module_free(r->model);
  ct_dataset_free(r->train);
  ct_dataset_free(r->val);
  cli_data_close(&r->data);
  cJSON_Delete(state);
  free(r);
  return rc < 0 ? 0 : rc;
}
