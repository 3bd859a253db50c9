/* Seed 000: the printed results of the ReLU / Sigmoid / Tanh and Identity snippets, with
 * the functional ops (nn.ReLU()(x) is torch.relu(x)).
 * Prints what examples/pytorch/example_activations.py prints. */
#include <stdio.h>

#include "ctorch.h"
#include "example_common.h"

int main(void) {
  ct_scope_begin();

  ct_tensor *x = ct_tensor_from((float[]){-2, -1, 0, 1, 2}, CT_FLOAT32, CT_SHAPE(5));
  ct_print(ct_relu(x));    /* tensor([0., 0., 0., 1., 2.]) */
  ct_print(ct_sigmoid(x)); /* tensor([0.1192, 0.2689, 0.5000, 0.7311, 0.8808]) */
  ct_print(ct_tanh(x));    /* tensor([-0.9640, -0.7616,  0.0000,  0.7616,  0.9640]) */

  /* nn.Identity: the output equals the input */
  ct_manual_seed(0);
  x = ct_randn(CT_SHAPE(3, 5));
  ct_print(x);
  printf("%s\n", py_bool(ct_equal(ct_clone(x), x))); /* True */

  ct_scope_end();
  return 0;
}
