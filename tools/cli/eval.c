/* Evaluation: mean loss, accuracy and the confusion matrix over a dataset; `ctorch eval`. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One batch: adds its summed loss, its correct count and its confusion entries. */
static int eval_batch(ct_module *model, const ct_sample *b, int n_classes, double *loss_sum, int64_t *correct,
                      int64_t *cm) {
  int rc = -1;
  ct_scope_begin();
  ct_tensor *logits = ct_forward(model, b->t[0]);
  ct_tensor *loss = ct_cross_entropy(logits, b->t[1], .reduction = CT_REDUCTION_SUM);
  ct_tensor *pred = ct_argmax(logits, 1, false);
  ct_tensor *target = ct_contiguous(b->t[1]);
  pred = ct_contiguous(pred);
  if (loss && pred && target) {
    const int64_t *p = ct_data_ptr(pred), *t = ct_data_ptr(target);
    int64_t n = ct_numel(pred);
    *loss_sum += ct_item(loss);
    for (int64_t i = 0; i < n; i++) {
      *correct += p[i] == t[i];
      if (cm && t[i] >= 0 && t[i] < n_classes && p[i] >= 0 && p[i] < n_classes) cm[t[i] * n_classes + p[i]]++;
    }
    rc = 0;
  }
  ct_scope_end();
  return rc;
}

int cli_evaluate(ct_module *model, ct_dataset *ds, int64_t batch, int n_classes, cli_metrics *out) {
  out->n = 0;
  out->loss = out->accuracy = 0;
  if (out->confusion) memset(out->confusion, 0, (size_t)n_classes * n_classes * sizeof(int64_t));
  bool was_training = ct_module_is_training(model);
  ct_module_eval(model);
  ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = batch);
  if (!dl) return -1;
  double loss_sum = 0;
  int64_t correct = 0;
  ct_sample b;
  int got, rc = 0;
  bool grad = ct_set_grad_enabled(false);
  ct_scope_begin();
  while ((got = ct_dataloader_next(dl, &b)) > 0) {
    if (eval_batch(model, &b, n_classes, &loss_sum, &correct, out->confusion) != 0) {
      rc = -1;
      break;
    }
    out->n += ct_size(b.t[1], 0);
    ct_scope_end(); /* the batch's tensors */
    ct_scope_begin();
  }
  ct_scope_end();
  ct_set_grad_enabled(grad);
  ct_dataloader_free(dl);
  ct_module_train(model, was_training);
  if (got < 0) rc = -1;
  if (out->n) {
    out->loss = loss_sum / (double)out->n;
    out->accuracy = (double)correct / (double)out->n;
  }
  return rc;
}

void cli_print_confusion(FILE *f, const int64_t *cm, int n, const char *const *classes) {
  if (n > 20) { /* a table wider than a terminal helps nobody: confusion.csv has it */
    fprintf(f, "confusion matrix: %d classes, too many to print (train writes confusion.csv)\n", n);
    return;
  }
  fprintf(f, "confusion matrix (rows: true class, columns: predicted)\n%12s", "");
  for (int j = 0; j < n; j++) fprintf(f, " %6d", j);
  fputc('\n', f);
  for (int i = 0; i < n; i++) {
    fprintf(f, "%2d %-9.9s", i, classes ? classes[i] : "");
    for (int j = 0; j < n; j++) fprintf(f, " %6lld", (long long)cm[i * n + j]);
    fputc('\n', f);
  }
}

int cli_write_confusion_csv(const char *path, const int64_t *cm, int n, const char *const *classes) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "true\\predicted");
  for (int j = 0; j < n; j++) fprintf(f, ",%s", classes ? classes[j] : "");
  fputc('\n', f);
  for (int i = 0; i < n; i++) {
    fprintf(f, "%s", classes ? classes[i] : "");
    for (int j = 0; j < n; j++) fprintf(f, ",%lld", (long long)cm[i * n + j]);
    fputc('\n', f);
  }
  return fclose(f);
}

/* Load weights into model, saying which file does not fit which model. */
int cli_load_weights(const char *cmd, ct_module *model, const char *weights, const char *model_path) {
  if (cli_load_module_file(model, weights) == 0) return 0;
  const char *e = ct_last_error();
  cli_fail(cmd, "the weights in %s do not fit the model %s (a checkpoint from another model?): %s", weights,
           model_path, e ? e : "failed");
  ct_clear_error();
  return EXIT_RUN;
}

int cmd_eval(int argc, char **argv) {
  const char *model_path = NULL, *weights = NULL, *data = "fashion-mnist", *pos[1];
  int64_t batch = 1000, threads = 0, limit = 0;
  bool train_split = false;
  cli_data_opts dopt = CLI_DATA_OPTS_DEFAULT;
  const cli_opt opts[] = {
      {"--model", OPT_STR, &model_path, "the model, JSON (models/*.json)"},
      {"--weights", OPT_STR, &weights, "its trained weights (run/model.safetensors)"},
      {"--data", OPT_STR, &data, "fashion-mnist (default), mnist, a folder with the four IDX files, a CSV file or an image folder"},
      {"--batch-size", OPT_INT, &batch, "samples per batch (1000)"},
      {"--threads", OPT_INT, &threads, "CPU threads (default: all)"},
      {"--subset", OPT_INT, &limit, "evaluate the first N samples only"},
      {"--train-split", OPT_FLAG, &train_split, "evaluate on the training set instead of the test set"},
      CLI_DATA_OPT_ROWS(&dopt),
      {0}};
  int n_pos, rc = cli_parse("eval", "--model M.json --weights run/model.safetensors [--data fashion-mnist]", opts,
                            argc, argv, pos, 0, &n_pos);
  if (rc) return rc < 0 ? 0 : rc;
  if (!weights) return cli_fail("eval", "no weights given; type --weights run/model.safetensors");
  if (threads > 0) ct_set_num_threads((int)threads);
  ct_module *model = cli_load_model("eval", model_path);
  if (!model) return EXIT_RUN;
  rc = cli_load_weights("eval", model, weights, model_path);
  cli_data d;
  if (!rc) rc = cli_data_open("eval", data, &dopt, &d);
  if (rc) {
    ct_module_free(model);
    return rc;
  }
  ct_dataset *ds = train_split ? d.train : d.test;
  cli_data_limit(&ds, limit);
  if (train_split) d.train = ds; else d.test = ds;
  cli_metrics m = {.confusion = d.confusion};
  double t0 = cli_now();
  if (cli_evaluate(model, ds, batch, d.n_classes, &m) != 0) {
    rc = cli_fail_ct("eval", "evaluation failed");
  } else {
    printf("%s set: %lld samples, loss %.4f, accuracy %.2f%% (%.1f s)\n", train_split ? "training" : "test",
           (long long)m.n, m.loss, 100 * m.accuracy, cli_now() - t0);
    cli_print_confusion(stdout, d.confusion, d.n_classes, d.classes);
  }
  cli_data_close(&d);
  ct_module_free(model);
  return rc;
}
