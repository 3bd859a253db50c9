/* --data: which dataset a name or a path means. IDX folders (MNIST, Fashion-MNIST) are read
 * with ct_mnist; CSV files and image folders have hooks that say they are not supported yet,
 * until the readers for them land in the library. */
#include "cli.h"

#include <dirent.h>
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

int cli_data_open(const char *cmd, const char *spec, cli_data *d) {
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
  } else if (ends_with(spec, ".csv")) {
    /* hook: CSV of numbers (header, label column) lands with the data readers */
    return cli_fail(cmd, "--data %s: CSV datasets are not supported yet (use fashion-mnist, mnist, or a folder "
                    "with the four IDX files)", spec);
  } else if (!is_dir(spec)) {
    return cli_fail(cmd, "--data %s: no such dataset or folder (type fashion-mnist, mnist, or a folder with "
                    "train-images-idx3-ubyte[.gz] and the three other IDX files)", spec);
  } else {
    snprintf(d->root, sizeof d->root, "%s", spec);
    if (!has_idx(spec) && has_subdirs(spec))
      /* hook: ImageFolder (a folder of PNG/JPEG images per class) lands with the data readers */
      return cli_fail(cmd, "--data %s: image folders are not supported yet (use fashion-mnist, mnist, or a "
                      "folder with the four IDX files)", spec);
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
  return 0;
}

void cli_data_close(cli_data *d) {
  ct_dataset_free(d->train);
  ct_dataset_free(d->test);
  d->train = d->test = NULL;
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
