/* The `ctorch` command line: train, eval, predict and summary on models written in JSON
 * (docs/nn-json-models.md). Each command lives in its own file; this header is what they share. */
#ifndef CTORCH_CLI_H
#define CTORCH_CLI_H

#include "ctorch.h"
#include <stdbool.h>
#include <stdio.h>

/* Exit codes: 0 done, 1 a failure while running (bad file, NaN loss), 2 a usage error. */
enum { EXIT_RUN = 1, EXIT_USAGE = 2 };

/* ---- options: one table per command ---------------------------------------------------------- */
typedef enum { OPT_STR, OPT_INT, OPT_FLOAT, OPT_FLAG } opt_type;
typedef struct cli_opt {
  const char *name; /* "--lr" */
  opt_type type;
  void *dst; /* const char ** / int64_t * / double * / bool * */
  const char *help;
} cli_opt;
/* Parse argv[1..] against opts; positional arguments go to *pos (at most max_pos). 0, or
 * EXIT_USAGE after printing what to type instead. "--help" prints usage and returns -1. */
int cli_parse(const char *cmd, const char *usage, const cli_opt *opts, int argc, char **argv,
              const char **pos, int max_pos, int *n_pos);
void cli_print_help(const char *cmd, const char *usage, const cli_opt *opts);
/* Print "ctorch CMD: error: ..." (and the library's last error when with_ct) to stderr. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_fail_ct(const char *cmd, const char *what);

/* ---- models ----------------------------------------------------------------------------------- */
/* The CLI's extra layers (BasicBlock, torchvision's residual block), registered once. */
void cli_register_layers(void);
/* ct_nn_load_json with the CLI's layers; NULL after printing the error. */
ct_module *cli_load_model(const char *cmd, const char *path);

/* ct_module_load(model, weights, strict), failing with which file does not fit which model. */
int cli_load_weights(const char *cmd, ct_module *model, const char *weights, const char *model_path);

/* ---- data ------------------------------------------------------------------------------------- */
/* How --data reads a CSV file or an image folder (the IDX datasets ignore these). */
typedef struct cli_data_opts {
  int64_t label_column; /* CSV: the label's column, from 0; -1 the last (0) */
  const char *header;   /* CSV: "auto" (a first line that is not numbers), "yes", "no" */
  const char *test_data; /* CSV / folder: the test set; NULL: hold out test_split of --data */
  double test_split;     /* 0.2 */
  int64_t channels;      /* images: 3 (RGB) or 1 (grayscale) */
  const char *normalize; /* images: "MEAN,STD" or one mean per channel then one std per channel */
  bool augment;          /* images, training set: RandomCrop(padding) + RandomHorizontalFlip */
  int64_t padding;       /* RandomCrop's padding (4) */
} cli_data_opts;
#define CLI_DATA_OPTS_DEFAULT {.label_column = 0, .header = "auto", .test_split = 0.2, .channels = 3, .padding = 4}
/* The option rows for cli_data_opts, to splice into a command's table. */
#define CLI_DATA_OPT_ROWS(o)                                                                                        {"--label-column", OPT_INT, &(o)->label_column, "CSV: the label's column from 0; -1 the last (0)"},              {"--header", OPT_STR, &(o)->header, "CSV: auto (default: a first line that is not numbers), yes or no"},        {"--test-data", OPT_STR, &(o)->test_data, "CSV or image folder: the test set (default: held out of --data)"},   {"--test-split", OPT_FLOAT, &(o)->test_split, "CSV or image folder: fraction held out for testing (0.2)"},       {"--channels", OPT_INT, &(o)->channels, "image folder: 3 (RGB, default) or 1 (grayscale)"},                     {"--normalize", OPT_STR, &(o)->normalize, "image folder: MEAN,STD (or a mean then a std per channel)"},         {"--augment", OPT_FLAG, &(o)->augment, "image folder: random crops (padded) and horizontal flips"},             {"--padding", OPT_INT, &(o)->padding, "--augment's RandomCrop padding (4)"}

typedef struct cli_data {
  ct_dataset *train, *test;
  const char *const *classes; /* class names, NULL when unknown */
  int n_classes;
  char root[1024];
  ct_dataset *owner; /* holds the class names (an image folder) */
  int64_t *confusion; /* n_classes x n_classes counts, filled by the evaluations */
} cli_data;
/* --data: fashion-mnist, mnist (Debian's package), a folder with the four IDX files, a CSV file
 * (features and a label column) or an image folder (a subfolder per class, or train/ and test/
 * subfolders of those); o may be NULL (defaults). 0, or EXIT_RUN after printing the error. */
int cli_data_open(const char *cmd, const char *spec, const cli_data_opts *o, cli_data *d);
void cli_data_close(cli_data *d);
/* The first n samples of *ds (n <= 0: all); replaces *ds. */
int cli_data_limit(ct_dataset **ds, int64_t n);

/* ---- evaluation ------------------------------------------------------------------------------- */
typedef struct cli_metrics {
  double loss, accuracy; /* mean loss, fraction correct */
  int64_t n;
  int64_t *confusion; /* n_classes x n_classes (true row, predicted column), or NULL */
} cli_metrics;
/* Loss and accuracy of model over ds (eval mode, no grad, batches of batch). 0 or -1. */
int cli_evaluate(ct_module *model, ct_dataset *ds, int64_t batch, int n_classes, cli_metrics *out);
void cli_print_confusion(FILE *f, const int64_t *cm, int n, const char *const *classes);
int cli_write_confusion_csv(const char *path, const int64_t *cm, int n, const char *const *classes);

/* ---- progress --------------------------------------------------------------------------------- */
typedef struct cli_progress {
  bool tty;
  int epoch, epochs;
  int64_t batches, batch_size;
  double t0, last;
  int64_t last_plain;
} cli_progress;
double cli_now(void);
void cli_progress_start(cli_progress *p, int epoch, int epochs, int64_t batches, int64_t batch_size);
void cli_progress_step(cli_progress *p, int64_t batch, double loss);
void cli_progress_end(cli_progress *p);

/* ---- reports ---------------------------------------------------------------------------------- */
typedef struct cli_history {
  int n;
  double train_loss[1024], test_loss[1024], test_acc[1024], val_loss[1024], val_acc[1024], secs[1024];
} cli_history;
int cli_write_curves_csv(const char *path, const cli_history *h, bool val);
/* Two panels (loss; accuracy) as a PNG; 0, or -1 when stb_image_write is missing. */
int cli_write_curves_png(const char *path, const cli_history *h, bool val);

/* "1,28,28" -> dims; how many, or -1. */
int cli_parse_shape(const char *s, int64_t *dims, int max);

/* ---- files ------------------------------------------------------------------------------------ */
/* mkdir -p dir, then prove it can be written. 0 or -1 (errno set). */
int cli_make_dir(const char *dir);
/* path = dir/name */
void cli_path(char *out, size_t n, const char *dir, const char *name);

/* ---- commands --------------------------------------------------------------------------------- */
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_convert(int argc, char **argv);
/* Strictly load into m the weights of path: a safetensors file, or a .pth / .pt holding a
 * state_dict or a checkpoint with one ('model', 'state_dict', ...). 0, or -1 + error. */
int cli_load_module_file(ct_module *m, const char *path);

#endif
