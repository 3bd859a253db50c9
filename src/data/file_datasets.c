/* Datasets read whole from files: a CSV of numbers and a pair of .npy arrays, each a
 * TensorDataset of what the file reader returns. */
#include "data_internal.h"

#include "ctorch/io.h"

ct_dataset *ct_csv_dataset_ex(const char *path, ct_csv_opts o) {
  ct_scope_begin();
  ct_tensor *x = NULL, *y = NULL;
  ct_dataset *d = NULL;
  if (ct_csv_load_ex(path, o, &x, &y) == 0)
    d = y ? ct_tensor_dataset(CT_TENSORS(x, y)) : ct_tensor_dataset(CT_TENSORS(x));
  ct_scope_end();
  return d;
}

ct_dataset *ct_npy_dataset(const char *features, const char *labels) {
  if (!features) return ct__err("ct_npy_dataset: the features path is NULL");
  ct_scope_begin();
  ct_dataset *d = NULL;
  ct_tensor *x = ct_npy_load(features), *y = x && labels ? ct_npy_load(labels) : NULL;
  if (x && ct_dim(x) < 1)
    ct__err("%s: a 0-dim array cannot be a dataset's samples", features);
  else if (y && ct_dim(y) < 1)
    ct__err("%s: a 0-dim array cannot be a dataset's labels", labels);
  else if (x && y && ct_size(x, 0) != ct_size(y, 0))
    ct__err("Size mismatch between tensors: %s has %lld samples, %s has %lld", features,
            (long long)ct_size(x, 0), labels, (long long)ct_size(y, 0));
  else if (x && (y || !labels))
    d = y ? ct_tensor_dataset(CT_TENSORS(x, y)) : ct_tensor_dataset(CT_TENSORS(x));
  ct_scope_end();
  return d;
}
