/* Shape functions (src/ops/shape.c): tile, broadcast_to, atleast_1d/2d/3d, hstack / vstack /
 * dstack / column_stack, rot90, block_diag, meshgrid, cartesian_prod. Values and shapes as
 * PyTorch 1.13 gives them, its error messages, grad_fn names, float64 gradcheck +
 * gradgradcheck. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
#define R(seed, ...) ramp(SH(__VA_ARGS__), CT_FLOAT64, seed, false)

static void expect_shape(const ct_tensor *t, int nd, const int64_t *s) {
  if (!t) fail_msg("NULL: %s", ct_last_error());
  assert_int_equal(ct_dim(t), nd);
  for (int i = 0; i < nd; i++) assert_int_equal(ct_shape(t)[i], s[i]);
}

static void test_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = R(1, 2, 3), *v = R(2, 3), *s = ct_scalar_tensor(2, CT_FLOAT64);
  expect_shape(ct_tile(x, 1, (int64_t[]){2}), SH(2, 6));
  expect_shape(ct_tile(x, 3, (int64_t[]){2, 1, 2}), SH(2, 2, 6));
  expect_shape(ct_broadcast_to(v, 2, (int64_t[]){2, 3}), SH(2, 3));
  expect_shape(ct_atleast_1d(s), SH(1));
  expect_shape(ct_atleast_2d(s), SH(1, 1));
  expect_shape(ct_atleast_2d(v), SH(1, 3));
  expect_shape(ct_atleast_3d(v), SH(1, 3, 1));
  expect_shape(ct_atleast_3d(x), SH(2, 3, 1));
  expect_shape(ct_atleast_1d(x), SH(2, 3));
  expect_shape(ct_hstack((ct_tensor *[]){v, v}, 2), SH(6));
  expect_shape(ct_hstack((ct_tensor *[]){x, x}, 2), SH(2, 6));
  expect_shape(ct_vstack((ct_tensor *[]){v, v}, 2), SH(2, 3));
  expect_shape(ct_dstack((ct_tensor *[]){v, v}, 2), SH(1, 3, 2));
  expect_shape(ct_column_stack((ct_tensor *[]){v, ct_t(x)}, 2), SH(3, 3));
  expect_shape(ct_block_diag((ct_tensor *[]){s, v, x}, 3), SH(4, 7));
  expect_shape(ct_block_diag(NULL, 0), SH(1, 0));
  expect_shape(ct_cartesian_prod((ct_tensor *[]){v, v}, 2), SH(9, 2));
  /* rot90 of [[a b c] [d e f]] once: [[c f] [b e] [a d]] */
  ct_tensor *m = ct_tensor_from((double[]){1, 2, 3, 4, 5, 6}, CT_FLOAT64, SH(2, 3));
  expect_vals(ct_rot90(m, 1, 2, (int64_t[]){0, 1}), ((double[]){3, 6, 2, 5, 1, 4}), 6, 0, 0);
  expect_vals(ct_rot90(m, 2, 2, (int64_t[]){0, 1}), ((double[]){6, 5, 4, 3, 2, 1}), 6, 0, 0);
  expect_vals(ct_rot90(m, -1, 2, (int64_t[]){0, 1}), ((double[]){4, 1, 5, 2, 6, 3}), 6, 0, 0);
  expect_vals(ct_rot90(m, 4, 2, (int64_t[]){0, 1}), ((double[]){1, 2, 3, 4, 5, 6}), 6, 0, 0);
  expect_vals(ct_block_diag((ct_tensor *[]){ct_scalar_tensor(7, CT_FLOAT64), m}, 2),
              ((double[]){7, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6}), 12, 0, 0);
  ct_tensor *a = ct_tensor_from((double[]){1, 2, 3}, CT_FLOAT64, SH(3)), *b = ct_tensor_from((double[]){8, 9}, CT_FLOAT64, SH(2));
  expect_vals(ct_cartesian_prod((ct_tensor *[]){a, b}, 2), ((double[]){1, 8, 1, 9, 2, 8, 2, 9, 3, 8, 3, 9}), 12, 0, 0);
  ct_tensor *g[2];
  assert_int_equal(ct_meshgrid((ct_tensor *[]){a, b}, 2, CT_MESHGRID_XY, g, 2), 2);
  expect_vals(g[0], ((double[]){1, 2, 3, 1, 2, 3}), 6, 0, 0);
  expect_vals(g[1], ((double[]){8, 8, 8, 9, 9, 9}), 6, 0, 0);
  assert_int_equal(ct_meshgrid((ct_tensor *[]){a, b}, 2, CT_MESHGRID_IJ, g, 2), 2);
  expect_shape(g[0], SH(3, 2));
  expect_vals(g[1], ((double[]){8, 9, 8, 9, 8, 9}), 6, 0, 0);
  /* grad_fn names */
  ct_tensor *r = ramp(SH(2, 3), CT_FLOAT64, 1, true);
  assert_string_equal(ct_grad_fn_name(ct_tile(r, 1, (int64_t[]){2})), "RepeatBackward0");
  assert_string_equal(ct_grad_fn_name(ct_broadcast_to(r, 3, (int64_t[]){2, 2, 3})), "ExpandBackward0");
  assert_string_equal(ct_grad_fn_name(ct_rot90(r, 1, 2, (int64_t[]){0, 1})), "Rot90Backward0");
  assert_string_equal(ct_grad_fn_name(ct_block_diag(&r, 1)), "BlockDiagBackward0");
  assert_string_equal(ct_grad_fn_name(ct_vstack((ct_tensor *[]){r, r}, 2)), "CatBackward0");
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = R(1, 2, 3), *v = R(2, 3);
  expect_error(ct_hstack(NULL, 0), "hstack expects a non-empty TensorList");
  expect_error(ct_vstack(NULL, 0), "vstack expects a non-empty TensorList");
  expect_error(ct_dstack(NULL, 0), "dstack expects a non-empty TensorList");
  expect_error(ct_column_stack(NULL, 0), "column_stack expects a non-empty TensorList");
  expect_error(ct_block_diag((ct_tensor *[]){R(1, 2, 2, 2)}, 1),
               "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input 0 has 3 dimensions");
  expect_error(ct_rot90(v, 1, 2, (int64_t[]){0, 1}), "expected total dims >= 2, but got total dims = 1");
  expect_error(ct_rot90(x, 1, 2, (int64_t[]){0, 0}), "expected rotation dims to be different, but got dim0 = 0 and dim1 = 0");
  expect_error(ct_rot90(x, 1, 2, (int64_t[]){0, -2}), "expected rotation dims to be different, but got dim0 = 0 and dim1 = -2");
  expect_error(ct_rot90(x, 1, 1, (int64_t[]){0}), "expected total rotation dims == 2, but got dims = 1");
  expect_error(ct_rot90(x, 1, 2, (int64_t[]){0, 3}), "Rotation dim1 out of range, dim1 = 3");
  expect_error(ct_rot90(x, 1, 2, (int64_t[]){-3, 1}), "Rotation dim0 out of range, dim0 = -3");
  expect_error(ct_cartesian_prod((ct_tensor *[]){x}, 1), "Expect a 1D vector, but got shape [2, 3]");
  ct_tensor *g[2];
  expect_fail(ct_meshgrid((ct_tensor *[]){x, v}, 2, CT_MESHGRID_IJ, g, 2) < 0,
              "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got");
  expect_error(ct_broadcast_to(x, 2, (int64_t[]){4, 3}), "must match the existing size (2) at non-singleton dimension 0");
  ct_scope_end();
}

static ct_tensor *f_tile(const ct_tensor *t) { return ct_tile(t, 3, (int64_t[]){2, 1, 2}); }
static ct_tensor *f_rot(const ct_tensor *t) { return ct_rot90(t, 3, 2, (int64_t[]){1, 0}); }
/* a 0-d element as (1, 1, 1) times a row as (1, 3) times a 0-d element as (1) */
static ct_tensor *f_at3(const ct_tensor *t) {
  ct_tensor *e = ct_select(ct_select(t, 0, 0), 0, 0), *row = ct_select(t, 0, 1);
  return ct_mul(ct_mul(ct_atleast_3d(e), ct_atleast_2d(row)), ct_atleast_1d(ct_select(row, 0, 2)));
}
static ct_tensor *f_bcast(const ct_tensor *t) { return ct_broadcast_to(t, 3, (int64_t[]){2, 2, 3}); }
static ct_tensor *f_stacks(const ct_tensor *a, const ct_tensor *b) {
  ct_tensor *ts[2] = {(ct_tensor *)a, (ct_tensor *)b};
  return ct_add(ct_add(ct_sum(ct_hstack(ts, 2)), ct_sum(ct_vstack(ts, 2))),
                ct_add(ct_sum(ct_mul(ct_dstack(ts, 2), ct_dstack(ts, 2))), ct_sum(ct_column_stack(ts, 2))));
}
static ct_tensor *f_block(const ct_tensor *a, const ct_tensor *b) {
  return ct_block_diag((ct_tensor *[]){(ct_tensor *)a, ct_select(b, 0, 0), (ct_tensor *)b}, 3);
}
static ct_tensor *f_cart(const ct_tensor *a, const ct_tensor *b) {
  ct_tensor *x = ct_flatten(a, 0, -1), *y = ct_flatten(b, 0, -1);
  return ct_pow_scalar(ct_cartesian_prod((ct_tensor *[]){x, y}, 2), 2);
}
static ct_tensor *f_mesh(const ct_tensor *a, const ct_tensor *b) {
  ct_tensor *g[2];
  if (ct_meshgrid((ct_tensor *[]){ct_flatten(a, 0, -1), ct_flatten(b, 0, -1)}, 2, CT_MESHGRID_XY, g, 2) < 0) return NULL;
  return ct_mul(g[0], g[1]);
}

static void test_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ramp(SH(2, 3), CT_FLOAT64, 1, true), *y = ramp(SH(2, 3), CT_FLOAT64, 2, true);
  const op_ref tile = {.u = f_tile}, rot = {.u = f_rot}, at = {.u = f_at3}, bc = {.u = f_bcast},
               st = {.b = f_stacks}, bd = {.b = f_block}, cp = {.b = f_cart}, mg = {.b = f_mesh};
  check_grads(run_unary, &x, 1, (void *)&tile, "tile");
  check_grads(run_unary, &x, 1, (void *)&rot, "rot90");
  check_grads(run_unary, &x, 1, (void *)&at, "atleast");
  check_grads(run_unary, (ct_tensor *[]){ramp(SH(2, 1, 3), CT_FLOAT64, 3, true)}, 1, (void *)&bc, "broadcast_to");
  check_grads(run_binary, (ct_tensor *[]){x, y}, 2, (void *)&st, "stacks");
  check_grads(run_binary, (ct_tensor *[]){x, y}, 2, (void *)&bd, "block_diag");
  check_grads(run_binary, (ct_tensor *[]){x, y}, 2, (void *)&cp, "cartesian_prod");
  check_grads(run_binary, (ct_tensor *[]){x, y}, 2, (void *)&mg, "meshgrid");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_grads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
