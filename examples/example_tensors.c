/* Seed 004, section 2.1: tensors in C. Dtypes, vectorised ops, broadcasting, views that
 * share memory versus clones that copy, contiguity, and NumPy interop through memory
 * (ct_from_blob, like torch.from_numpy) and .npy files.
 * Prints what examples/pytorch/example_tensors.py prints. */
#include <stdio.h>
#include <stdlib.h>

#include "ctorch.h"
#include "example_common.h"

int main(void) {
  ct_scope_begin(); /* every tensor below belongs to this scope; its end frees them all */
  ct_manual_seed(0);

  /* 2.1.1 scalar = torch.tensor(3.14); vector = torch.tensor([1, 2, 3], dtype=torch.float64);
   * matrix = torch.randn(3, 3) */
  ct_tensor *scalar = ct_scalar_tensor(3.14, CT_DTYPE_UNSET);
  ct_tensor *vector = ct_tensor_from((double[]){1, 2, 3}, CT_FLOAT64, CT_SHAPE(3));
  ct_tensor *matrix = ct_randn(CT_SHAPE(3, 3));
  check(scalar && vector && matrix, "creation");
  ct_tensor *shown[] = {scalar, vector, matrix};
  for (int i = 0; i < 3; i++) {
    ct_print(shown[i]);
    printf("%d %s\n", ct_dim(shown[i]), ct_dtype_name(ct_dtype_of(shown[i])));
  }
  ct_tensor *ints = ct_tensor_from((int32_t[]){1, 2, 3}, CT_INT32, CT_SHAPE(3));
  ct_tensor *flags = ct_tensor_from((bool[]){true, false}, CT_BOOL, CT_SHAPE(2));
  printf("%s %s\n", ct_dtype_name(ct_dtype_of(ints)), ct_dtype_name(ct_dtype_of(flags)));

  /* 2.1.2 result = a + b instead of a loop over elements; print(result[:5]) */
  ct_tensor *a = ct_arange(0, 1000, 1, .dtype = CT_FLOAT32);
  ct_tensor *b = ct_ones(CT_SHAPE(1000));
  ct_tensor *result = ct_add(a, b);
  ct_print(ct_slice(result, 0, CT_NONE, 5, 1));

  /* c = torch.ones(3, 3) + 1.0: the Python number is broadcast */
  ct_print(ct_add_scalar(ct_ones(CT_SHAPE(3, 3)), 1.0));
  /* z = torch.ones(5, 3, 4) + torch.ones(3, 1): y acts as (1, 3, 1), then (5, 3, 4) */
  ct_tensor *z = ct_add(ct_ones(CT_SHAPE(5, 3, 4)), ct_ones(CT_SHAPE(3, 1)));
  check(z != NULL, "broadcast add");
  print_size(z);

  /* a = torch.randn(3, 3); b = a.view(9); c = a.clone(); a[0, 0] = 10 */
  a = ct_randn(CT_SHAPE(3, 3));
  b = ct_view(a, CT_SHAPE(9));   /* a view: same storage */
  ct_tensor *c = ct_clone(a);     /* a copy */
  check(ct_set(a, (int64_t[]){0, 0}, 10) == 0, "a[0, 0] = 10");
  ct_print(ct_select(b, 0, 0));                   /* tensor(10.): b shares a's memory */
  ct_print(ct_select(ct_select(c, 0, 0), 0, 0)); /* unchanged: c is independent */

  /* view() needs compatible strides: a transpose is not contiguous */
  ct_tensor *t = ct_t(a);
  printf("%s\n", py_bool(ct_is_contiguous(t)));
  if (!ct_view(t, CT_SHAPE(9))) { /* the error model: NULL + the message PyTorch raises */
    printf("%s\n", ct_last_error());
    ct_clear_error();
  }
  print_size(ct_view(ct_contiguous(t), CT_SHAPE(9)));

  /* 2.1.3 torch.from_numpy(np_array): the tensor wraps memory the caller owns */
  double np_array[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  ct_tensor *torch_tensor = ct_from_blob(np_array, CT_FLOAT64, CT_SHAPE(3, 3));
  np_array[0] = 100;
  ct_print(torch_tensor);

  /* np.save / np.load: the .npy format moves arrays between ctorch and NumPy */
  torch_tensor = ct_randn(CT_SHAPE(3, 3));
  const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char path[4096];
  snprintf(path, sizeof path, "%s/ctorch_example_tensors.npy", dir);
  check(ct_npy_save(path, torch_tensor) == 0, "ct_npy_save");
  ct_tensor *back = ct_npy_load(path);
  remove(path);
  check(back != NULL, "ct_npy_load");
  printf("%s %s\n", ct_dtype_name(ct_dtype_of(back)), py_bool(ct_equal(back, torch_tensor)));

  ct_scope_end();
  return 0;
}
