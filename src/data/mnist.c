/* torchvision.datasets.MNIST / FashionMNIST from the four IDX files. The images stay uint8
 * (47 MB for the training set, as torchvision keeps them); each sample or batch is converted
 * when it is read, as ToTensor does per sample: float32 in [0, 1], shape (1, 28, 28). */
#include "data_internal.h"

#include <errno.h>
#include <sys/stat.h>

typedef struct {
  ct_tensor *images; /* (N, H, W) uint8 */
  ct_tensor *labels; /* (N,) int64 */
} mnist;

static int64_t mnist_len(void *user) { return ct_size(((mnist *)user)->labels, 0); }

/* uint8 images (..., H, W) -> float32 (..., 1, H, W) / 255 */
static ct_tensor *to_tensor(ct_tensor *u8) {
  return ct_unsqueeze(ct_div_scalar(ct_to(u8, CT_FLOAT32), 255.0), -3);
}

static int mnist_get(void *user, int64_t i, ct_sample *s) {
  mnist *m = user;
  s->n = 2;
  s->t[0] = to_tensor(ct_select(m->images, 0, i));
  s->t[1] = ct_select(m->labels, 0, i);
  return s->t[0] && s->t[1] ? 0 : -1;
}

static int mnist_batch(void *user, const int64_t *idx, int64_t n, ct_sample *b) {
  mnist *m = user;
  ct_tensor *index = ct_tensor_from(idx, CT_INT64, 1, &n);
  b->n = 2;
  b->t[0] = index ? to_tensor(ct_index_select(m->images, 0, index)) : NULL;
  b->t[1] = index ? ct_index_select(m->labels, 0, index) : NULL;
  return b->t[0] && b->t[1] ? 0 : -1;
}

static void mnist_free(void *user) {
  mnist *m = user;
  ct_release(m->images);
  ct_release(m->labels);
  free(m);
}

/* root/name, or root/name.gz when only that exists; NULL + error naming both when neither. */
static char *find_file(const char *root, const char *name) {
  size_t n = strlen(root) + strlen(name) + 8;
  char *p = malloc(n);
  if (!p) return ct__err("CPU: out of memory");
  struct stat st;
  snprintf(p, n, "%s/%s", root, name);
  if (stat(p, &st) == 0) return p;
  snprintf(p, n, "%s/%s.gz", root, name);
  if (stat(p, &st) == 0) return p;
  ct__err("Dataset not found: neither %s/%s nor %s/%s.gz exists. Install Debian's "
          "dataset-fashion-mnist or point root at a folder with the four IDX files.",
          root, name, root, name);
  free(p);
  return NULL;
}

static ct_tensor *load(const char *root, const char *name) {
  char *path = find_file(root, name);
  ct_tensor *t = path ? ct_idx_load(path) : NULL;
  free(path);
  return t;
}

ct_dataset *ct_mnist(const char *root, bool train) {
  if (!root) return ct__err("ct_mnist: root is NULL");
  const char *img = train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
  const char *lab = train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte";
  ct_scope_begin();
  ct_tensor *images = load(root, img), *labels = images ? load(root, lab) : NULL;
  mnist *m = NULL;
  if (images && labels) {
    if (ct_dim(images) != 3 || ct_dtype_of(images) != CT_UINT8)
      ct__err("%s/%s: expected a 3-dim ubyte IDX file of images", root, img);
    else if (ct_dim(labels) != 1 || ct_dtype_of(labels) != CT_UINT8)
      ct__err("%s/%s: expected a 1-dim ubyte IDX file of labels", root, lab);
    else if (ct_size(images, 0) != ct_size(labels, 0))
      ct__err("%s: %lld images but %lld labels", root, (long long)ct_size(images, 0),
              (long long)ct_size(labels, 0));
    else if ((m = calloc(1, sizeof *m))) {
      m->images = ct_retain(images);
      m->labels = ct_retain(ct_to(labels, CT_INT64));
      if (!m->labels) {
        mnist_free(m);
        m = NULL;
      }
    }
  }
  ct_scope_end();
  if (!m) return NULL;
  return ct__dataset_new_batched(mnist_len, mnist_get, mnist_batch, m, mnist_free);
}
