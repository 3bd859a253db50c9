/* torch.nn.utils.clip_grad_norm_ / clip_grad_value_ against PyTorch 1.13: total norms and
 * clipped gradients for several norm types in float64 and float32, the non-finite error (its
 * exact message, gradients unchanged), parameters without a grad skipped, the module forms.
 * Expected numbers: /usr/bin/python3 with torch 1.13, e.g.
 *   a.grad = [1, -2, 3]; b.grad = [[0.5, -0.25], [4, -1]]; c.grad = None
 *   t = clip_grad_norm_([a, b, c], max_norm, norm_type); print(repr(t.item()), a.grad, b.grad) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

/* t holds the listed values within rtol */
#define expect_list(t, rtol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, 0, #t, __LINE__)

static const double GA[3] = {1, -2, 3}, GB[4] = {0.5, -0.25, 4, -1};

/* a [3], b [2, 2] with the grads above, c [2] without one (requires_grad all). */
static void make_params(ct_dtype dt, ct_tensor *ps[3]) {
  ps[0] = ct_requires_grad_(ct_zeros(CT_SHAPE(3), .dtype = dt), true);
  ps[1] = ct_requires_grad_(ct_zeros(CT_SHAPE(2, 2), .dtype = dt), true);
  ps[2] = ct_requires_grad_(ct_zeros(CT_SHAPE(2), .dtype = dt), true);
  assert_int_equal(ct_set_grad(ps[0], ct_to(ct_tensor_from(GA, CT_FLOAT64, CT_SHAPE(3)), dt)), 0);
  assert_int_equal(ct_set_grad(ps[1], ct_to(ct_tensor_from(GB, CT_FLOAT64, CT_SHAPE(2, 2)), dt)), 0);
}

typedef struct norm_ref {
  double norm_type, max_norm, total;
  double a[3], b[4];
} norm_ref;

/* PyTorch 1.13's results, float64 */
static const norm_ref REF64[] = {
    {2.0, 1.0, 5.595757321399848,
     {0.17870678870738607, -0.35741357741477214, 0.5361203661221582},
     {0.08935339435369304, -0.04467669717684652, 0.7148271548295443, -0.17870678870738607}},
    {1.0, 2.0, 11.75,
     {0.1702127514712552, -0.3404255029425104, 0.5106382544137655},
     {0.0851063757356276, -0.0425531878678138, 0.6808510058850208, -0.1702127514712552}},
    {INFINITY, 0.5, 4.0,
     {0.12499996875000781, -0.24999993750001562, 0.37499990625002344},
     {0.062499984375003904, -0.031249992187501952, 0.49999987500003124, -0.12499996875000781}},
    {3.5, 1.0, 4.465550663957533,
     {0.22393649771678242, -0.44787299543356485, 0.6718094931503473},
     {0.11196824885839121, -0.055984124429195606, 0.8957459908671297, -0.22393649771678242}},
    {0.5, 3.0, 69.77880958850622,
     {0.042992994215555635, -0.08598598843111127, 0.1289789826466669},
     {0.021496497107777818, -0.010748248553888909, 0.17197197686222254, -0.042992994215555635}},
    {0.0, 2.0, 2.0, /* p = 0 counts nonzeros: norms 3 and 4, then 2 of them */
     {0.99999950000025, -1.9999990000005, 2.99999850000075},
     {0.499999750000125, -0.2499998750000625, 3.999998000001, -0.99999950000025}},
    {-INFINITY, 0.1, 0.25,
     {0.3999984000064001, -0.7999968000128002, 1.1999952000192002},
     {0.19999920000320004, -0.09999960000160002, 1.5999936000256003, -0.3999984000064001}},
    {2.0, 100.0, 5.595757321399848, {1, -2, 3}, {0.5, -0.25, 4, -1}}, /* coef clamped to 1 */
};

/* float32: the same computation rounded as PyTorch's float32 kernels round it */
static const norm_ref REF32[] = {
    {2.0, 1.0, 5.595757484436035,
     {0.17870678007602692, -0.35741356015205383, 0.5361203551292419},
     {0.08935339003801346, -0.04467669501900673, 0.7148271203041077, -0.17870678007602692}},
    {1.0, 2.0, 11.75,
     {0.1702127456665039, -0.3404254913330078, 0.5106382369995117},
     {0.08510637283325195, -0.04255318641662598, 0.6808509826660156, -0.1702127456665039}},
    {INFINITY, 0.5, 4.0,
     {0.12499997019767761, -0.24999994039535522, 0.37499991059303284},
     {0.062499985098838806, -0.031249992549419403, 0.49999988079071045, -0.12499997019767761}},
    {3.5, 1.0, 4.465551376342773,
     {0.22393646836280823, -0.44787293672561646, 0.6718094348907471},
     {0.11196823418140411, -0.05598411709070206, 0.8957458734512329, -0.22393646836280823}},
    {0.5, 3.0, 69.77880096435547,
     {0.04299300163984299, -0.08598600327968597, 0.12897899746894836},
     {0.021496500819921494, -0.010748250409960747, 0.17197200655937195, -0.04299300163984299}},
    {0.0, 2.0, 2.0,
     {0.9999995231628418, -1.9999990463256836, 2.9999985694885254},
     {0.4999997615814209, -0.24999988079071045, 3.999998092651367, -0.9999995231628418}},
    {-INFINITY, 0.1, 0.25,
     {0.39999839663505554, -0.7999967932701111, 1.1999951601028442},
     {0.19999919831752777, -0.09999959915876389, 1.5999935865402222, -0.39999839663505554}},
    {2.0, 100.0, 5.595757484436035, {1, -2, 3}, {0.5, -0.25, 4, -1}},
};

static void check_refs(ct_dtype dt, const norm_ref *refs, int n, double rtol) {
  for (int i = 0; i < n; i++) {
    live_mark lm = leak_begin();
    ct_tensor *ps[3];
    make_params(dt, ps);
    const norm_ref *r = &refs[i];
    ct_tensor *total = ct_nn_utils_clip_grad_norm_(ps, 3, r->max_norm, .norm_type = r->norm_type);
    assert_non_null(total);
    assert_int_equal(ct_dim(total), 0);
    assert_int_equal(ct_dtype_of(total), dt);
    expect_vals(total, &r->total, 1, rtol, 0);
    expect_vals(ct_grad(ps[0]), r->a, 3, rtol, 0);
    expect_vals(ct_grad(ps[1]), r->b, 4, rtol, 0);
    assert_null(ct_grad(ps[2])); /* no grad: skipped, still None */
    assert_int_equal(ct_dtype_of(ct_grad(ps[0])), dt);
    leak_end(lm, "clip_grad_norm_", __LINE__);
  }
}

static void test_norm_float64(void **state) {
  (void)state;
  check_refs(CT_FLOAT64, REF64, (int)(sizeof REF64 / sizeof REF64[0]), 1e-15);
}

/* float32: within 2 ulps of PyTorch's float32 results (the 3.5-norm's pow sum rounds
 * differently), the others exact; float64 matches to the last bit */
static void test_norm_float32(void **state) {
  (void)state;
  check_refs(CT_FLOAT32, REF32, (int)(sizeof REF32 / sizeof REF32[0]), 3e-7);
}

/* error_if_nonfinite=True: 1.13's RuntimeError, grads unchanged; False: scaled by NaN / 0 */
static void test_nonfinite(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = ct_requires_grad_(ct_zeros(CT_SHAPE(3), .dtype = CT_FLOAT64), true);
  ct_set_grad(p, ct_tensor_from((double[]){1, NAN, 3}, CT_FLOAT64, CT_SHAPE(3)));
  expect_error(ct_nn_utils_clip_grad_norm_(&p, 1, 1.0, .error_if_nonfinite = true),
               "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be "
               "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
               "`error_if_nonfinite=False`");
  expect_exact(ct_grad(p), 1, NAN, 3);
  ct_tensor *t = ct_nn_utils_clip_grad_norm_(&p, 1, 1.0);
  expect_exact(t, NAN);
  expect_exact(ct_grad(p), NAN, NAN, NAN);
  /* an infinite gradient: inf-norm inf, message names "inf"; without the check coef 0 */
  ct_set_grad(p, ct_tensor_from((double[]){1, INFINITY, 3}, CT_FLOAT64, CT_SHAPE(3)));
  expect_error(ct_nn_utils_clip_grad_norm_(&p, 1, 1.0, .norm_type = INFINITY, .error_if_nonfinite = true),
               "The total norm of order inf for gradients");
  expect_error(ct_nn_utils_clip_grad_norm_(&p, 1, 1.0, .norm_type = 3, .error_if_nonfinite = true),
               "The total norm of order 3.0 for gradients");
  expect_exact(ct_grad(p), 1, INFINITY, 3);
  t = ct_nn_utils_clip_grad_norm_(&p, 1, 1.0);
  expect_exact(t, INFINITY);
  expect_exact(ct_grad(p), 0, NAN, 0);
  /* float32 overflow of the 2-norm: inf, grads scaled to 0 (PyTorch: tensor(inf), [0., 0.]) */
  ct_tensor *q = ct_requires_grad_(ct_zeros(CT_SHAPE(2)), true);
  ct_set_grad(q, ct_full(CT_SHAPE(2), 3e38));
  expect_exact(ct_nn_utils_clip_grad_norm_(&q, 1, 1.0), INFINITY);
  expect_exact(ct_grad(q), 0, 0);
  leak_end(lm, "nonfinite", __LINE__);
}

/* no gradient at all: torch.tensor(0.) (float32), nothing touched; an empty gradient's
 * 2-norm is 0, its inf-norm is max()'s error */
static void test_no_grads(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = ct_requires_grad_(ct_zeros(CT_SHAPE(2), .dtype = CT_FLOAT64), true);
  ct_tensor *t = ct_nn_utils_clip_grad_norm_(&p, 1, 1.0, .norm_type = INFINITY);
  expect_exact(t, 0);
  assert_int_equal(ct_dtype_of(t), CT_FLOAT32);
  expect_exact(ct_nn_utils_clip_grad_norm_(&p, 0, 1.0), 0);
  assert_null(ct_grad(p));
  ct_tensor *e = ct_requires_grad_(ct_zeros(CT_SHAPE(0)), true);
  ct_set_grad(e, ct_zeros(CT_SHAPE(0)));
  expect_exact(ct_nn_utils_clip_grad_norm_(&e, 1, 1.0), 0);
  expect_error(ct_nn_utils_clip_grad_norm_(&e, 1, 1.0, .norm_type = INFINITY),
               "max(): Expected reduction dim to be specified for input.numel() == 0");
  leak_end(lm, "no grads", __LINE__);
}

/* grads of two dtypes: the norms are stacked with type promotion (float64 total), each grad
 * keeps its dtype (PyTorch: 7.95298665093595, b.grad [0.06286945194005966, -0.8801723122596741]) */
static void test_mixed_dtypes(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *a = ct_requires_grad_(ct_zeros(CT_SHAPE(3), .dtype = CT_FLOAT64), true);
  ct_tensor *b = ct_requires_grad_(ct_zeros(CT_SHAPE(2)), true);
  ct_set_grad(a, ct_tensor_from(GA, CT_FLOAT64, CT_SHAPE(3)));
  ct_set_grad(b, ct_to(ct_tensor_from((double[]){0.5, -7}, CT_FLOAT64, CT_SHAPE(2)), CT_FLOAT32));
  ct_tensor *ab[] = {a, b};
  ct_tensor *t = ct_nn_utils_clip_grad_norm_(ab, 2, 1.0);
  assert_int_equal(ct_dtype_of(t), CT_FLOAT64);
  expect_list(t, 1e-13, 7.95298665093595);
  expect_list(ct_grad(a), 1e-13, 0.1257389101921106, -0.2514778203842212, 0.37721673057633176);
  assert_int_equal(ct_dtype_of(ct_grad(b)), CT_FLOAT32);
  expect_list(ct_grad(b), 1e-7, 0.06286945194005966, -0.8801723122596741);
  leak_end(lm, "mixed", __LINE__);
}

/* clip_grad_value_: clamp to [-v, v]; a negative v sets all to v (clamp with min > max);
 * NaN gives NaN (PyTorch's clamp_ with NaN bounds) */
static void test_clip_value(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *ps[3];
  make_params(CT_FLOAT64, ps);
  assert_int_equal(ct_nn_utils_clip_grad_value_(ps, 3, 1.5), 0);
  expect_exact(ct_grad(ps[0]), 1, -1.5, 1.5);
  expect_exact(ct_grad(ps[1]), 0.5, -0.25, 1.5, -1);
  assert_null(ct_grad(ps[2]));
  assert_int_equal(ct_nn_utils_clip_grad_value_(ps, 3, -1), 0);
  expect_exact(ct_grad(ps[0]), -1, -1, -1);
  assert_int_equal(ct_nn_utils_clip_grad_value_(ps, 2, NAN), 0);
  expect_exact(ct_grad(ps[1]), NAN, NAN, NAN, NAN);
  make_params(CT_FLOAT32, ps);
  assert_int_equal(ct_nn_utils_clip_grad_value_(ps, 3, 0.3), 0);
  expect_list(ct_grad(ps[0]), 0, 0.30000001192092896, -0.30000001192092896, 0.30000001192092896);
  leak_end(lm, "clip value", __LINE__);
}

/* the module forms: clip_grad_norm_(model.parameters(), 1.0) after a backward equals the list
 * form on the same parameters (a shared parameter counted once, as parameters() lists it) */
static void test_module_forms(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *m = ct_nn_linear(3, 2);
  ct_tensor *x = ct_randn(CT_SHAPE(4, 3));
  assert_int_equal(ct_backward(ct_sum(ct_mul_scalar(ct_forward(m, x), 10))), 0);
  ct_tensor_map *sd = ct_module_named_parameters(m, true);
  ct_tensor *w = ct_tensor_map_get(sd, "weight"), *bias = ct_tensor_map_get(sd, "bias");
  ct_tensor *gw = ct_clone(ct_grad(w)), *gb = ct_clone(ct_grad(bias));
  ct_tensor *want = ct_norm(ct_stack(CT_TENSORS(ct_norm(gw), ct_norm(gb)), 0));
  ct_tensor *t = ct_nn_utils_clip_grad_norm_module_(m, 1.0);
  assert_true(ct_item(t) == ct_item(want));
  ct_tensor *coef = ct_mul_scalar(ct_reciprocal(ct_add_scalar(want, 1e-6)), 1.0);
  assert_true(ct_equal(ct_grad(w), ct_mul(gw, coef)));
  assert_true(ct_equal(ct_grad(bias), ct_mul(gb, coef)));
  assert_int_equal(ct_nn_utils_clip_grad_value_module_(m, 0.01), 0);
  assert_true(ct_item(ct_amax(ct_abs(ct_grad(w)))) <= 0.01f + 1e-9);
  expect_exact(ct_amax(ct_abs(ct_grad(bias))), 0.009999999776482582);
  ct_tensor_map_free(sd);
  ct_module_free(m);
  leak_end(lm, "module", __LINE__);
}

/* Seed 003's training loops (examples/example_optim.c) with manual_seed(0): the losses PyTorch
 * 1.13 prints in full, to float32 summation-order tolerance (the example prints 4 decimals). */
static void seed003_loop(bool adam, const double want[10]) {
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *model = ct_nn_linear(10, 2);
  ct_tensor_map *sd = ct_module_named_parameters(model, true);
  ct_tensor *ps[] = {ct_tensor_map_get(sd, "weight"), ct_tensor_map_get(sd, "bias")};
  ct_optim *o = adam ? ct_optim_adam(ps, 2, .lr = 0.001) : ct_optim_sgd(ps, 2, .lr = 0.01);
  ct_module *loss_fn = ct_nn_mse_loss();
  for (int epoch = 0; epoch < 10; epoch++) {
    ct_tensor *input = ct_randn(CT_SHAPE(5, 10)), *target = ct_randn(CT_SHAPE(5, 2));
    ct_tensor *loss = ct_forward(loss_fn, ct_forward(model, input), target);
    assert_int_equal(ct_optim_zero_grad(o, false), 0);
    assert_int_equal(ct_backward(loss), 0);
    assert_int_equal(ct_optim_step(o), 0);
    expect_vals(loss, &want[epoch], 1, 2e-6, 0);
  }
  ct_module_free(loss_fn);
  ct_optim_free(o);
  ct_tensor_map_free(sd);
  ct_module_free(model);
  leak_end(lm, "seed 003", __LINE__);
}

static void test_seed003_loops(void **state) {
  (void)state;
  static const double sgd[10] = {1.5486581325531006, 1.3872689008712769, 1.1039060354232788, 0.7919138669967651,
                                 1.2708361148834229, 2.8818929195404053, 0.7634217739105225, 1.1569839715957642,
                                 2.411170244216919,  1.3904709815979004};
  static const double adam[10] = {1.5486581325531006, 1.3761940002441406, 1.0969160795211792, 0.7958941459655762,
                                  1.2763458490371704, 2.902310848236084,  0.7635446190834045, 1.2030956745147705,
                                  2.4269137382507324, 1.4041353464126587};
  seed003_loop(false, sgd);
  seed003_loop(true, adam);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_norm_float64), cmocka_unit_test(test_norm_float32),
      cmocka_unit_test(test_nonfinite),    cmocka_unit_test(test_no_grads),
      cmocka_unit_test(test_mixed_dtypes), cmocka_unit_test(test_clip_value),
      cmocka_unit_test(test_module_forms), cmocka_unit_test(test_seed003_loops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
