/* `ctorch summary MODEL.json`: every layer with its output shape and parameter count, as
 * torchinfo.summary prints them, from one forward pass of a zero input (batch 1, eval mode). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  bool seen;
} shape_rec;

static int record_shape(ct_module *m, const ct_values *in, ct_values *out, void *user) {
  (void)m, (void)in;
  shape_rec *r = user;
  ct_tensor *t = ct_values_tensor(out, 0);
  if (t) {
    r->ndim = ct_dim(t);
    memcpy(r->shape, ct_shape(t), (size_t)r->ndim * sizeof(int64_t));
    r->seen = true;
  }
  return 0;
}

int cli_parse_shape(const char *s, int64_t *dims, int max) {
  int n = 0;
  for (const char *p = s; *p;) {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 1 || n >= max) return -1;
    dims[n++] = v;
    p = *end == ',' || *end == 'x' ? end + 1 : end;
    if (*end && *end != ',' && *end != 'x') return -1;
  }
  return n ? n : -1;
}

static void fmt_shape(char *buf, size_t n, const shape_rec *r) {
  if (!r->seen) {
    snprintf(buf, n, "--");
    return;
  }
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < r->ndim && k < n; i++) k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)r->shape[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
}

static int depth_of(const char *name) {
  if (!*name) return 0;
  int d = 1;
  for (const char *p = name; *p; p++) d += *p == '.';
  return d;
}

int cmd_summary(int argc, char **argv) {
  const char *size = "1,28,28", *pos[1];
  const cli_opt opts[] = {{"--input-size", OPT_STR, &size, "one sample's shape, C,H,W or features (1,28,28)"}, {0}};
  int n_pos, rc = cli_parse("summary", "MODEL.json [--input-size 1,28,28]", opts, argc, argv, pos, 1, &n_pos);
  if (rc) return rc < 0 ? 0 : rc;
  if (n_pos != 1) {
    fprintf(stderr, "ctorch summary: error: which model? type: ctorch summary models/fashion_cnn.json\n");
    return EXIT_USAGE;
  }
  int64_t dims[CT_MAX_DIMS];
  dims[0] = 1;
  int nd = cli_parse_shape(size, dims + 1, CT_MAX_DIMS - 1);
  if (nd < 0) return cli_fail("summary", "--input-size %s: expected sizes like 1,28,28", size);
  ct_module *model = cli_load_model("summary", pos[0]);
  if (!model) return EXIT_RUN;
  ct_module_list mods = ct_module_named_modules(model);
  shape_rec *recs = calloc((size_t)mods.n, sizeof *recs);
  ct_hook_handle *hooks = calloc((size_t)mods.n, sizeof *hooks);
  for (int i = 0; recs && hooks && i < mods.n; i++)
    hooks[i] = ct_module_register_forward_hook(mods.modules[i], record_shape, &recs[i]);
  ct_module_eval(model);
  ct_scope_begin();
  ct_tensor *y = NULL;
  CT_NO_GRAD { y = ct_forward(model, ct_zeros(nd + 1, dims)); }
  if (!y) {
    char what[160];
    snprintf(what, sizeof what, "the model does not run on one input of size %s (set --input-size)", size);
    rc = cli_fail_ct("summary", what);
  }
  ct_scope_end();
  if (!rc) {
    const char *line = "==========================================================================================";
    printf("%s\n%-48s %-25s %s\n%s\n", line, "Layer (type:depth-idx)", "Output Shape", "Param #", line);
    int idx[64] = {0};
    for (int i = 0; i < mods.n; i++) {
      int d = depth_of(mods.names[i]);
      char label[160], shape[96], params[32];
      if (d < 64) idx[d]++;
      for (int k = d + 1; k < 64; k++) idx[k] = 0;
      ct_module_list kids = ct_module_named_children(mods.modules[i]);
      int64_t own = ct_module_num_parameters(mods.modules[i], true);
      if (kids.n && d) snprintf(params, sizeof params, "--");
      else if (!d) snprintf(params, sizeof params, "--");
      else snprintf(params, sizeof params, "%lld", (long long)own);
      ct_module_list_free(&kids);
      int ind = d > 0 ? (d - 1) * 4 : 0;
      if (d) snprintf(label, sizeof label, "%*s%s%s: %d-%d", ind, "", "├─", ct_module_name(mods.modules[i]), d, idx[d < 64 ? d : 63]);
      else snprintf(label, sizeof label, "%s", ct_module_name(mods.modules[i]));
      fmt_shape(shape, sizeof shape, &recs[i]);
      printf("%-*s %-25s %s\n", d ? 52 : 48, label, shape, params); /* "├─" is 6 bytes, 2 columns */
    }
    int64_t total = ct_module_num_parameters(model, false), train = ct_module_num_parameters(model, true);
    printf("%s\nTotal params: %lld\nTrainable params: %lld\nNon-trainable params: %lld\n", line, (long long)total,
           (long long)train, (long long)(total - train));
    printf("Params size (MB): %.2f\n%s\n", (double)total * 4 / 1e6, line);
  }
  for (int i = 0; hooks && i < mods.n; i++) ct_hook_remove(&hooks[i]);
  free(hooks);
  free(recs);
  ct_module_list_free(&mods);
  ct_module_free(model);
  return rc;
}
