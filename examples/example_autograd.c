/* Seed 004, section 4.1: autograd in C. backward() on y = w * x + b, gradient
 * accumulation and zeroing, no-grad blocks, detach, retain_grad, and higher-order
 * derivatives through torch.autograd.grad(create_graph=True).
 * Prints what examples/pytorch/example_autograd.py prints. */
#include <stdio.h>

#include "ctorch.h"
#include "example_common.h"

/* torch.tensor(v, requires_grad=True) */
static ct_tensor *leaf(double v) { return ct_requires_grad_(ct_scalar_tensor(v, CT_FLOAT32), true); }

int main(void) {
  ct_scope_begin();

  /* 4.1.1 y = w * x + b; y.backward() */
  ct_tensor *x = leaf(2.0), *w = leaf(3.0), *b = leaf(1.0);
  ct_tensor *y = ct_add(ct_mul(w, x), b);
  check(ct_backward(y) == 0, "backward");
  print_f("∂y/∂x = ", ct_grad(x)); /* 3.0 */
  print_f("∂y/∂w = ", ct_grad(w)); /* 2.0 */
  print_f("∂y/∂b = ", ct_grad(b)); /* 1.0 */
  ct_print(y);

  /* 4.1.2 a second backward adds into .grad; zero_grad() sets it back to None */
  y = ct_add(ct_mul(w, x), b);
  check(ct_backward(y) == 0, "backward");
  print_f("accumulated ∂y/∂x = ", ct_grad(x));
  ct_set_grad(x, NULL);
  print_f("after zero_grad: ", ct_grad(x));

  /* with torch.no_grad(): nothing is recorded */
  CT_NO_GRAD { y = ct_add(ct_mul(w, x), b); }
  const char *fn = ct_grad_fn_name(y);
  printf("%s %s\n", py_bool(ct_requires_grad(y)), fn ? fn : "None");

  /* z = y.detach(): same values and memory, no history */
  y = ct_add(ct_mul(w, x), b);
  ct_tensor *z = ct_detach(y);
  ct_print(z);
  printf("%s\n", py_bool(ct_requires_grad(z)));

  /* y.retain_grad(): a non-leaf keeps its .grad */
  y = ct_add(ct_mul(w, x), b);
  ct_retain_grad(y);
  check(ct_backward(ct_mul(y, y)) == 0, "backward");
  print_f("y.grad = ", ct_grad(y)); /* d(y*y)/dy = 2y = 14 */

  /* 4.1.3 dy_dx = torch.autograd.grad(y, x, create_graph=True)[0], then differentiate it */
  x = leaf(2.0);
  y = ct_pow_scalar(x, 3);
  ct_tensor *dy_dx, *d2y_dx2;
  check(ct_autograd_grad(&y, 1, &x, 1, NULL, true, -1, false, &dy_dx) == 0, "grad");
  check(ct_autograd_grad(&dy_dx, 1, &x, 1, NULL, false, -1, false, &d2y_dx2) == 0, "grad");
  char num[32];
  printf("一阶导数: %s\n", py_float(ct_item(dy_dx), num));   /* 12.0 */
  printf("二阶导数: %s\n", py_float(ct_item(d2y_dx2), num)); /* 12.0 */

  ct_scope_end();
  return 0;
}
