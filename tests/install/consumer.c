/* A user program built against the installed library (find_package and pkg-config). */
#include <ctorch.h>
#include <stdio.h>

int main(void) {
  ct_scope_begin();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 3), .dtype = CT_FLOAT64, .requires_grad = true);
  ct_tensor *y = ct_sum(ct_mul(x, x));
  int rc = ct_backward(y);
  double g = ct_get(ct_grad(x), (int64_t[]){1, 2});
  printf("sum=%g grad=%g\n", ct_item(y), g);
  ct_scope_end();
  return rc == 0 && g == 2.0 ? 0 : 1;
}
