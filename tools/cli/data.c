/* --data: which dataset a name or a path means. IDX folders (MNIST, Fashion-MNIST) are read
 * with ct_mnist, CSV files with ct_csv_load, folders of class subfolders with ct_image_folder
 * (ToTensor, optional Normalize, and for training optional RandomCrop + RandomHorizontalFlip). */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const fashion_classes[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
static const char *const digit_classes[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

static bool is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}
static bool exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}
static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* A folder whose subfolders are classes (ImageFolder's layout). */
static bool has_subdirs(const char *root) {
  DIR *d = opendir(root);
  if (!d) return false;
  bool found = false;
  for (struct dirent *e; !found && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", root, e->d_name);
    found = is_dir(p);
  }
  closedir(d);
  return found;
}

static bool has_idx(const char *root) {
  char p[2048];
  snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", root);
  if (exists(p)) return true;
  snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", root);
  return exists(p);
}

/* "auto": a header when the first field of the first line is not a number. */
static int csv_header(const char *cmd, const char *path, const char *mode, bool *header) {
  if (!strcasecmp(mode, "yes") || !strcasecmp(mode, "no")) {
    *header = !strcasecmp(mode, "yes");
    return 0;
  }
  if (strcasecmp(mode, "auto")) return cli_fail(cmd, "--header %s: type --header auto, yes or no", mode);
  FILE *f = fopen(path, "r");
  if (!f) return cli_fail(cmd, "--data %s: cannot open it (%s)", path, strerror(errno));
  char line[256] = "";
  if (!fgets(line, sizeof line, f)) line[0] = 0;
  fclose(f);
  char *end;
  strtod(line, &end);
  *header = end == line || (*end && *end != ',' && *end != '\r' && *end != '\n');
  return 0;
}

static ct_dataset *csv_open(const char *cmd, const char *path, const cli_data_opts *o, int64_t *max_label) {
  bool header = false; /* set by csv_header on success; gcc cannot see that */
  if (csv_header(cmd, path, o->header, &header)) return NULL;
  ct_scope_begin(); /* x, y: the dataset keeps its own references */
  ct_tensor *x, *y;
  ct_dataset *ds = NULL;
  if (ct_csv_load(path, &x, &y, .header = header, .label_column = o->label_column) != 0) {
    cli_fail_ct(cmd, "cannot read the CSV file");
  } else {
    int64_t hi = ct_numel(y) ? (int64_t)ct_item(ct_max(y)) : 0, lo = ct_numel(y) ? (int64_t)ct_item(ct_min(y)) : 0;
    if (lo < 0)
      cli_fail(cmd, "%s: label %lld in column %lld is negative; labels are class numbers 0, 1, ...", path,
               (long long)lo, (long long)o->label_column);
    else if (!(ds = ct_tensor_dataset(CT_TENSORS(x, y))))
      cli_fail_ct(cmd, path);
    if (hi > *max_label) *max_label = hi;
  }
  ct_scope_end();
  return ds;
}

/* --normalize "m,s" or "m1,m2,m3,s1,s2,s3": how many numbers (2 per channel or 2), or -1. */
static int parse_normalize(const char *s, double *mean, double *std, int channels) {
  double v[8];
  int n = 0;
  for (const char *p = s; n < 8;) {
    char *end;
    v[n++] = strtod(p, &end);
    if (end == p) return -1;
    if (!*end) break;
    if (*end != ',') return -1;
    p = end + 1;
  }
  if (n != 2 && n != 2 * channels) return -1;
  for (int c = 0; c < n / 2; c++) mean[c] = v[c], std[c] = v[n / 2 + c];
  return n / 2;
}

/* ToTensor, then for training RandomCrop(H, W, padding) and RandomHorizontalFlip(0.5), then
 * Normalize: torchvision's usual order. */
static ct_transform *image_transform(const char *cmd, const cli_data_opts *o, ct_dataset *raw, bool train) {
  ct_transform *tfs[4];
  int n = 0;
  tfs[n++] = ct_tf_to_tensor();
  if (train && o->augment) {
    ct_scope_begin();
    ct_sample s;
    int rc = ct_dataset_get(raw, 0, &s);
    int64_t h = rc ? 0 : ct_size(s.t[0], 0), w = rc ? 0 : ct_size(s.t[0], 1);
    ct_scope_end();
    if (rc) {
      ct_transform_free(tfs[0]);
      cli_fail_ct(cmd, "cannot read the first image");
      return NULL;
    }
    tfs[n++] = ct_tf_random_crop(CT_INTS(h, w), .padding = CT_INTS(o->padding));
    tfs[n++] = ct_tf_random_horizontal_flip(0.5);
  }
  if (o->normalize) {
    double mean[4], std[4];
    int k = parse_normalize(o->normalize, mean, std, (int)o->channels);
    if (k < 0) {
      for (int i = 0; i < n; i++) ct_transform_free(tfs[i]);
      cli_fail(cmd, "--normalize %s: type a mean and a std (--normalize 0.5,0.25) or one of each per channel "
               "(--normalize 0.49,0.48,0.45,0.25,0.24,0.26)", o->normalize);
      return NULL;
    }
    tfs[n++] = ct_tf_normalize(mean, std, k);
  }
  ct_transform *tf = ct_tf_compose(tfs, n);
  if (!tf) cli_fail_ct(cmd, "cannot build the transforms");
  return tf;
}

/* The image folder at root, transformed for training or testing; the raw folder in *raw. */
static ct_dataset *folder_open(const char *cmd, const char *root, const cli_data_opts *o, bool train, ct_dataset **raw) {
  if (o->channels != 1 && o->channels != 3) {
    cli_fail(cmd, "--channels %lld: type --channels 3 (RGB) or --channels 1 (grayscale)", (long long)o->channels);
    return NULL;
  }
  if (!*raw && !(*raw = ct_image_folder(root, .raw = true, .channels = (int)o->channels))) {
    cli_fail_ct(cmd, root);
    return NULL;
  }
  ct_transform *tf = image_transform(cmd, o, *raw, train);
  ct_dataset *ds = tf ? ct_dataset_transform(*raw, 0, tf) : NULL;
  if (tf && !ds) cli_fail_ct(cmd, "cannot apply the transforms");
  ct_transform_free(tf);
  return ds;
}

/* Test = a fixed random test_split of the samples (the same ones in every run), train = the rest:
 * train_view and test_view are two views (augmented or not) of the same samples. */
static int hold_out(const char *cmd, const cli_data_opts *o, ct_dataset *train_view, ct_dataset *test_view,
                    cli_data *d) {
  int64_t n = ct_dataset_len(train_view), k = (int64_t)llround(o->test_split * (double)n);
  if (!(o->test_split > 0 && o->test_split < 1) || k < 1 || k >= n)
    return cli_fail(cmd, "--test-split %g leaves no test or no training samples of %lld; give a fraction such as "
                    "--test-split 0.2, or --test-data", o->test_split, (long long)n);
  ct_generator *g = ct_generator_new(0);
  ct_scope_begin();
  ct_tensor *perm = g ? ct_randperm(n, .generator = g) : NULL;
  const int64_t *p = perm ? ct_data_ptr(perm) : NULL;
  d->test = p ? ct_subset(test_view, p, k) : NULL;
  d->train = p ? ct_subset(train_view, p + k, n - k) : NULL;
  ct_scope_end();
  ct_generator_free(g);
  return d->train && d->test ? 0 : cli_fail_ct(cmd, "cannot hold out the test set");
}

static bool is_csv(const char *p) { return ends_with(p, ".csv"); }

/* A CSV file, or a folder of class folders (with train/ and test/ when it has them). */
static int open_files(const char *cmd, const char *spec, const cli_data_opts *o, cli_data *d) {
  char tr[2048], te[2048];
  snprintf(tr, sizeof tr, "%s/train", spec);
  snprintf(te, sizeof te, "%s/test", spec);
  const char *test = o->test_data;
  bool split_dirs = !is_csv(spec) && !test && is_dir(tr) && is_dir(te);
  const char *train = split_dirs ? tr : spec;
  if (split_dirs) test = te;
  if (test && is_csv(spec) != is_csv(test))
    return cli_fail(cmd, "--test-data %s: give a test set of the same kind as --data %s", test, spec);
  ct_dataset *views[2] = {0}, *raw = NULL, *test_raw = NULL;
  int64_t max_label = 0;
  int rc = 0;
  if (is_csv(spec)) {
    views[0] = csv_open(cmd, train, o, &max_label);
    views[1] = !views[0] ? NULL : test ? csv_open(cmd, test, o, &max_label) : ct_dataset_retain(views[0]);
  } else {
    views[0] = folder_open(cmd, train, o, true, &raw);
    views[1] = !views[0] ? NULL : folder_open(cmd, test ? test : train, o, false, test ? &test_raw : &raw);
  }
  if (!views[0] || !views[1]) rc = EXIT_RUN;
  else if (test) d->train = ct_dataset_retain(views[0]), d->test = ct_dataset_retain(views[1]);
  else rc = hold_out(cmd, o, views[0], views[1], d);
  if (!rc && raw) {
    int64_t n;
    d->classes = ct_image_folder_classes(raw, &n);
    d->n_classes = (int)n;
    d->owner = ct_dataset_retain(raw);
    if (test_raw) {
      int64_t m;
      const char *const *tc = ct_image_folder_classes(test_raw, &m);
      for (int64_t i = 0; i < n && m == n; i++) m = strcmp(tc[i], d->classes[i]) ? -1 : m;
      if (m != n) rc = cli_fail(cmd, "%s: its class folders are not those of %s", test, train);
    }
  } else if (!rc) {
    d->n_classes = (int)max_label + 1;
  }
  /* the confusion matrix is n_classes^2 counts: 4096 classes make 128 MB of it */
  if (!rc && d->n_classes > 4096)
    rc = cli_fail(cmd, "--data %s: %d classes; the command line handles at most 4096", spec, d->n_classes);
  if (!rc && !(d->confusion = calloc((size_t)d->n_classes * (size_t)d->n_classes, sizeof *d->confusion)))
    rc = cli_fail(cmd, "--data %s: out of memory for the %d-class confusion matrix", spec, d->n_classes);
  ct_dataset_free(views[0]);
  ct_dataset_free(views[1]);
  ct_dataset_free(raw);
  ct_dataset_free(test_raw);
  if (rc) cli_data_close(d);
  return rc;
}

int cli_data_open(const char *cmd, const char *spec, const cli_data_opts *o, cli_data *d) {
  static const cli_data_opts defaults = CLI_DATA_OPTS_DEFAULT;
  if (!o) o = &defaults;
  memset(d, 0, sizeof *d);
  if (!spec) return cli_fail(cmd, "no dataset given; type --data fashion-mnist (or mnist, or a folder with the four IDX files)");
  const char *pkg = !strcasecmp(spec, "fashion-mnist") || !strcasecmp(spec, "fashion_mnist") ? "fashion-mnist"
                    : !strcasecmp(spec, "mnist")                                              ? "mnist"
                                                                                              : NULL;
  if (pkg) {
    snprintf(d->root, sizeof d->root, "/usr/share/datasets/%s", pkg);
    if (!is_dir(d->root))
      return cli_fail(cmd, "%s is not installed (no %s): type 'sudo apt-get install dataset-%s' (or 'make deps'), "
                      "or give --data a folder with the four IDX files", pkg, d->root, pkg);
  } else if (is_csv(spec)) {
    snprintf(d->root, sizeof d->root, "%s", spec);
    return open_files(cmd, spec, o, d);
  } else if (!is_dir(spec)) {
    return cli_fail(cmd, "--data %s: no such dataset or folder (type fashion-mnist, mnist, a CSV file, a folder with "
                    "train-images-idx3-ubyte[.gz] and the three other IDX files, or a folder of class folders)", spec);
  } else {
    snprintf(d->root, sizeof d->root, "%s", spec);
    if (!has_idx(spec) && has_subdirs(spec)) return open_files(cmd, spec, o, d);
  }
  d->train = ct_mnist(d->root, true);
  d->test = d->train ? ct_mnist(d->root, false) : NULL;
  if (!d->train || !d->test) {
    int rc = cli_fail_ct(cmd, "cannot read the dataset");
    cli_data_close(d);
    return rc;
  }
  d->n_classes = 10;
  d->classes = strstr(d->root, "fashion") ? fashion_classes : digit_classes;
  if (!(d->confusion = calloc(100, sizeof *d->confusion))) {
    cli_data_close(d);
    return cli_fail(cmd, "out of memory");
  }
  return 0;
}

void cli_data_close(cli_data *d) {
  ct_dataset_free(d->train);
  ct_dataset_free(d->test);
  ct_dataset_free(d->owner);
  free(d->confusion);
  d->train = d->test = d->owner = NULL;
  d->confusion = NULL;
}

int cli_data_limit(ct_dataset **ds, int64_t n) {
  int64_t len = ct_dataset_len(*ds);
  if (n <= 0 || n >= len) return 0;
  int64_t *idx = malloc((size_t)n * sizeof *idx);
  if (!idx) return -1;
  for (int64_t i = 0; i < n; i++) idx[i] = i;
  ct_dataset *sub = ct_subset(*ds, idx, n);
  free(idx);
  if (!sub) return -1;
  ct_dataset_free(*ds);
  *ds = sub;
  return 0;
}
