// Fit y = 3x + 1 with autograd and plain SGD.   cc fit.c $(pkg-config --cflags --libs ctorch)
#include <ctorch.h>
#include <stdio.h>

int main(void) {
  ct_manual_seed(0);
  ct_tensor *w = ct_zeros(CT_SHAPE(1), .requires_grad = true);   // caller-owned (no scope open)
  ct_tensor *b = ct_zeros(CT_SHAPE(1), .requires_grad = true);
  for (int step = 0; step < 200; step++) {
    ct_scope_begin();                           // every tensor made below dies at ct_scope_end
    ct_tensor *x = ct_randn(CT_SHAPE(32, 1));
    ct_tensor *y = ct_add_scalar(ct_mul_scalar(x, 3.0), 1.0);
    ct_tensor *pred = ct_add(ct_mul(x, w), b);
    ct_tensor *loss = ct_mean(ct_square(ct_sub(pred, y)));
    if (ct_backward(loss) != 0) {               // errors: NULL / -1 plus a PyTorch-style message
      fprintf(stderr, "%s\n", ct_last_error());
      return 1;
    }
    CT_NO_GRAD {                                // torch.no_grad(): the update is not recorded
      ct_sub_(w, ct_mul_scalar(ct_grad(w), 0.1));
      ct_sub_(b, ct_mul_scalar(ct_grad(b), 0.1));
    }
    ct_set_grad(w, NULL);                       // optimizer.zero_grad(set_to_none=True)
    ct_set_grad(b, NULL);
    if (step % 50 == 0) printf("step %3d  loss %.6f\n", step, ct_item(loss));
    ct_scope_end();
  }
  ct_print(w);                                  // tensor([3.0000], requires_grad=True)
  ct_print(b);
  ct_release(w);
  ct_release(b);
  return 0;
}
