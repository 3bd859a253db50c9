/* torchvision.datasets.ImageFolder (torchvision/datasets/folder.py, 0.14): classes are the
 * sorted subfolders of root, samples the files under each class folder whose lowercased name
 * ends with an allowed extension, in sorted(os.walk(class_dir, followlinks=True)) order: by
 * folder path, then by file name within a folder (strcmp on UTF-8 is Python's code-point
 * order). The list is made once; the images are decoded when a sample is read. */
#include "data_internal.h"
#include "../io/io_common.h" /* ct__errno_err: Python's OSError wording */

#include <dirent.h>
#include <errno.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const img_extensions[] = {".jpg", ".jpeg", ".png", ".ppm", ".bmp",
                                             ".pgm", ".tif", ".tiff", ".webp", NULL};

/* A growable list of malloc'd strings. */
typedef struct {
  char **s;
  int64_t n, cap;
} strv;

static int strv_push(strv *v, char *s) {
  if (!s) return ct__errs("CPU: out of memory");
  if (v->n == v->cap) {
    int64_t cap = v->cap ? v->cap * 2 : 16;
    char **p = realloc(v->s, sizeof *p * (size_t)cap);
    if (!p) {
      free(s);
      return ct__errs("CPU: out of memory");
    }
    v->s = p, v->cap = cap;
  }
  v->s[v->n++] = s;
  return 0;
}

static void strv_free(strv *v) {
  for (int64_t i = 0; i < v->n; i++) free(v->s[i]);
  free(v->s);
  *v = (strv){0};
}

static int by_strcmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted by strcmp (qsort must not see the NULL array of an empty list) */
static void strv_sort(strv *v) {
  if (v->n) qsort(v->s, (size_t)v->n, sizeof *v->s, by_strcmp);
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* os.scandir(dir) split into sorted subfolder names (following links, as entry.is_dir() does)
 * and sorted other names; 0 or -1 with Python's OSError wording for dir. */
static int scan(const char *dir, strv *dirs, strv *files) {
  errno = 0;
  DIR *d = opendir(dir);
  if (!d) return ct__errno_err(dir);
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char *p = join(dir, e->d_name);
    struct stat st;
    bool is_dir = p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    strv *into = is_dir ? dirs : files;
    if (into) rc = strv_push(into, strdup(e->d_name));
  }
  closedir(d);
  if (dirs) strv_sort(dirs);
  if (files) strv_sort(files);
  return rc;
}

/* Every folder under (and including) dir, as paths, following links; a link back to a folder
 * already on the path is not entered again (os.walk would loop until the path is too long). */
#define WALK_MAX_DEPTH 64
static int walk(const char *dir, strv *out, dev_t *devs, ino_t *inos, int depth) {
  struct stat st;
  if (stat(dir, &st) != 0) return 0; /* vanished or unreadable: os.walk skips it too */
  for (int i = 0; i < depth; i++)
    if (devs[i] == st.st_dev && inos[i] == st.st_ino) return 0;
  if (depth == WALK_MAX_DEPTH) return 0;
  devs[depth] = st.st_dev, inos[depth] = st.st_ino;
  if (strv_push(out, strdup(dir))) return -1;
  strv subs = {0};
  errno = 0;
  if (scan(dir, &subs, NULL)) { /* os.walk ignores folders it cannot list */
    ct_clear_error();
    strv_free(&subs);
    return 0;
  }
  int rc = 0;
  for (int64_t i = 0; rc == 0 && i < subs.n; i++) {
    char *p = join(dir, subs.s[i]);
    rc = p ? walk(p, out, devs, inos, depth + 1) : ct__errs("CPU: out of memory");
    free(p);
  }
  strv_free(&subs);
  return rc;
}

static bool allowed(const char *name, const char *const *ext) {
  size_t n = strlen(name);
  for (; *ext; ext++) {
    size_t m = strlen(*ext);
    if (m <= n && !strcasecmp(name + n - m, *ext)) return true;
  }
  return false;
}

typedef struct {
  strv classes, paths;
  int64_t *targets;
  int channels;
  bool raw;
} folder;

/* The samples of class k (root/classes[k]) appended to f->paths. */
static int add_class(folder *f, const char *root, int64_t k, const char *const *ext) {
  char *top = join(root, f->classes.s[k]);
  strv dirs = {0};
  dev_t devs[WALK_MAX_DEPTH];
  ino_t inos[WALK_MAX_DEPTH];
  int rc = top ? walk(top, &dirs, devs, inos, 0) : ct__errs("CPU: out of memory");
  free(top);
  strv_sort(&dirs); /* sorted(os.walk(...)) */
  for (int64_t i = 0; rc == 0 && i < dirs.n; i++) {
    strv files = {0};
    if (scan(dirs.s[i], NULL, &files)) ct_clear_error();
    for (int64_t j = 0; rc == 0 && j < files.n; j++)
      if (allowed(files.s[j], ext)) rc = strv_push(&f->paths, join(dirs.s[i], files.s[j]));
    strv_free(&files);
  }
  strv_free(&dirs);
  return rc;
}

static int64_t folder_len(void *user) { return ((folder *)user)->paths.n; }

static int folder_get(void *user, int64_t i, ct_sample *s) {
  folder *f = user;
  ct_tensor *img = ct_image_load(f->paths.s[i], f->channels);
  s->n = 2;
  s->t[0] = img && !f->raw ? ct__to_tensor(img) : img;
  s->t[1] = ct_scalar_tensor((double)f->targets[i], CT_INT64);
  return s->t[0] && s->t[1] ? 0 : -1;
}

static void folder_free(void *user) {
  folder *f = user;
  strv_free(&f->classes);
  strv_free(&f->paths);
  free(f->targets);
  free(f);
}

/* "Found no valid file for the classes a, b. Supported extensions are: .jpg, .png" */
static int no_files_error(const folder *f, const int64_t *ends, const char *const *ext) {
  ct__strbuf sb = {0};
  ct__sb_puts(&sb, "Found no valid file for the classes ");
  for (int64_t k = 0, first = 1; k < f->classes.n; k++)
    if (ends[k] == (k ? ends[k - 1] : 0))
      ct__sb_printf(&sb, "%s%s", first ? "" : ", ", f->classes.s[k]), first = 0;
  ct__sb_puts(&sb, ". Supported extensions are: ");
  for (int i = 0; ext[i]; i++) ct__sb_printf(&sb, "%s%s", i ? ", " : "", ext[i]);
  int rc = sb.oom ? ct__errs("CPU: out of memory") : ct__errs("%s", sb.s);
  free(sb.s);
  return rc;
}

/* f's samples, every class walked; torchvision's errors for no class or an empty one. */
static int make_samples(folder *f, const char *root, const char *const *ext) {
  if (scan(root, &f->classes, NULL)) return -1;
  if (f->classes.n == 0) return ct__errs("Couldn't find any class folder in %s.", root);
  int64_t *ends = calloc((size_t)f->classes.n, sizeof *ends); /* samples of classes 0..k */
  int rc = ends ? 0 : ct__errs("CPU: out of memory");
  for (int64_t k = 0; rc == 0 && k < f->classes.n; k++)
    if (!(rc = add_class(f, root, k, ext))) ends[k] = f->paths.n;
  bool empty = false;
  for (int64_t k = 0; rc == 0 && k < f->classes.n; k++) empty |= ends[k] == (k ? ends[k - 1] : 0);
  if (rc == 0 && empty) rc = no_files_error(f, ends, ext);
  if (rc == 0 && !(f->targets = malloc(sizeof *f->targets * (size_t)f->paths.n)))
    rc = ct__errs("CPU: out of memory");
  for (int64_t k = 0, i = 0; rc == 0 && k < f->classes.n; k++)
    for (; i < ends[k]; i++) f->targets[i] = k;
  free(ends);
  return rc;
}

ct_dataset *ct_image_folder_ex(const char *root, ct_image_folder_opts o) {
  if (!root) return ct__err("ImageFolder: root is NULL");
  if (o.channels != 1 && o.channels != 3)
    return ct__err("ImageFolder: channels must be 1 or 3, got %d", o.channels);
  folder *f = calloc(1, sizeof *f);
  if (!f) return ct__err("CPU: out of memory");
  f->channels = o.channels;
  f->raw = o.raw;
  if (make_samples(f, root, o.extensions ? o.extensions : img_extensions)) {
    folder_free(f);
    return NULL;
  }
  return ct_dataset_new(folder_len, folder_get, f, folder_free);
}

static const folder *folder_of(const ct_dataset *d) {
  if (!d || d->get != folder_get) return ct__err("not an ImageFolder dataset (ct_image_folder)");
  return d->user;
}

const char *const *ct_image_folder_classes(const ct_dataset *d, int64_t *n) {
  const folder *f = folder_of(d);
  if (!f || !n) return f ? ct__err("ct_image_folder_classes: n is NULL") : NULL;
  *n = f->classes.n;
  return (const char *const *)f->classes.s;
}

const char *ct_image_folder_path(const ct_dataset *d, int64_t i) {
  const folder *f = folder_of(d);
  if (!f) return NULL;
  if (i < -f->paths.n || i >= f->paths.n)
    return ct__err("index %lld is out of bounds for dataset of size %lld", (long long)i,
                   (long long)f->paths.n);
  return f->paths.s[i < 0 ? i + f->paths.n : i];
}
