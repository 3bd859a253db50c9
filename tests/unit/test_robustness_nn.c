/* Robustness sweep over nn.h and F.linear / F.bilinear: NULL for every pointer argument
 * (an earlier failure: NULL or -1, no new message, no crash), hostile sizes and indices,
 * wrong ranks, empty and non-contiguous inputs. Nothing leaks (live tensor counts). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

/* a NULL argument: the call fails and records nothing */
#define QUIET(failed) (assert_true(failed), assert_null(ct_last_error()))

static int hook_pre(ct_module *m, ct_values *in, void *u) { return 0; }
static int hook_fwd(ct_module *m, const ct_values *in, ct_values *out, void *u) { return 0; }
static int hook_bw(ct_module *m, ct_tensor *const *gi, int ni, ct_tensor *const *go, int no, ct_tensor **r, void *u) {
  return 0;
}
static int apply_fn(ct_module *m, void *u) { return 0; }

static void test_null_nn(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_clear_error();
  ct_module *l = ct_nn_linear(2, 2);
  ct_values vals = CT_VALUES(ct_v_none()), out;
  QUIET(ct_forward_ex(NULL, NULL, 0) == NULL);
  QUIET(ct_forward(l, NULL) == NULL);
  QUIET(ct_module_call(NULL, &vals, &out) != 0);
  QUIET(ct_module_call(l, &CT_VALUES(ct_v_tensor(NULL)), &out) != 0);
  QUIET(ct_module_retain(NULL) == NULL);
  ct_module_free(NULL);
  QUIET(ct_module_name(NULL) == NULL);
  QUIET(ct_parameter(NULL, true) == NULL);
  QUIET(ct_module_register_parameter(NULL, "a", NULL) == NULL);
  QUIET(ct_module_register_buffer(l, "a", NULL, true) == NULL);
  QUIET(ct_module_register_module(l, "a", NULL) == NULL);
  QUIET(ct_module_register_module(NULL, "a", NULL) == NULL);
  QUIET(ct_module_set_tensor(NULL, "a", NULL) == NULL);
  QUIET(ct_module_get_parameter(NULL, "a") == NULL);
  QUIET(ct_module_get_buffer(NULL, "a") == NULL);
  QUIET(ct_module_get_submodule(NULL, "a") == NULL);
  ct_module_list ml = ct_module_named_children(NULL);
  assert_int_equal(ml.n, 0);
  ml = ct_module_named_modules(NULL);
  assert_int_equal(ml.n, 0);
  ct_module_list_free(&ml);
  ct_module_list_free(NULL);
  QUIET(ct_module_named_parameters(NULL, true) == NULL);
  QUIET(ct_module_named_buffers(NULL, true) == NULL);
  QUIET(ct_module_num_parameters(NULL, false) < 0);
  QUIET(ct_module_apply(NULL, apply_fn, NULL) != 0);
  ct_module_train(NULL, true);
  ct_module_eval(NULL);
  assert_false(ct_module_is_training(NULL));
  ct_module_requires_grad_(NULL, false);
  ct_module_zero_grad(NULL, true);
  QUIET(ct_module_to(NULL, CT_FLOAT64) != 0);
  QUIET(ct_module_deepcopy(NULL) == NULL);
  QUIET(ct_module_state_dict(NULL) == NULL);
  QUIET(ct_module_load_state_dict(NULL, NULL, true, NULL) != 0);
  QUIET(ct_module_load_state_dict(l, NULL, true, NULL) != 0);
  ct_incompatible_keys_free(NULL);
  QUIET(ct_module_save(NULL, "/tmp/x") != 0);
  QUIET(ct_module_load(NULL, "/tmp/x", true) != 0);
  QUIET(ct_module_repr(NULL) == NULL);
  ct_module_print(NULL);
  ct_hook_handle h = ct_module_register_forward_pre_hook(NULL, hook_pre, NULL);
  assert_null(h.module);
  h = ct_module_register_forward_hook(NULL, hook_fwd, NULL);
  assert_null(h.module);
  h = ct_module_register_full_backward_hook(NULL, hook_bw, NULL);
  assert_null(h.module);
  ct_hook_remove(NULL);
  ct_hook_remove(&h);
  QUIET(ct_nn_create(NULL, NULL) == NULL);
  QUIET(ct_nn_find_kind(NULL) == NULL);
  QUIET(ct_nn_from_json(NULL) == NULL);
  QUIET(ct_nn_load_json(NULL) == NULL);
  QUIET(ct_module_len(NULL) < 0);
  QUIET(ct_module_append(NULL, NULL) == NULL);
  QUIET(ct_module_insert(NULL, 0, NULL) == NULL);
  QUIET(ct_module_at(NULL, 0) == NULL);
  QUIET(ct_sequential_slice(NULL, 0, 1, 1) == NULL);
  QUIET(ct_module_dict_set(NULL, "a", NULL) == NULL);
  QUIET(ct_module_dict_get(NULL, "a") == NULL);
  QUIET(ct_parameter_list_append(NULL, NULL) == NULL);
  QUIET(ct_parameter_list_at(NULL, 0) == NULL);
  QUIET(ct_parameter_dict_set(NULL, "a", NULL) == NULL);
  QUIET(ct_parameter_dict_get(NULL, "a") == NULL);
  QUIET(ct_values_get(NULL, 0, NULL) == NULL);
  QUIET(ct_values_tensor(NULL, 0) == NULL);
  assert_int_equal(ct_values_count_tensors(NULL), 0);
  QUIET(ct_values_push(NULL, ct_v_int(1)) != 0);
  QUIET(ct_linear(NULL, NULL, NULL) == NULL);
  QUIET(ct_bilinear(NULL, NULL, NULL, NULL) == NULL);
  /* a container given a NULL module (a failed constructor) fails quietly and frees the rest */
  QUIET(ct_nn_sequential(ct_nn_relu(false), NULL) == NULL);
  QUIET(ct_nn_module_list(NULL) == NULL);
  QUIET(ct_nn_parameter_list(NULL) == NULL);
  ct_module_free(l);
  leak_end(lm, "null nn", __LINE__);
}

static void test_hostile_nn(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  expect_error(ct_nn_linear(INT64_MAX, INT64_MAX), "");
  expect_error(ct_nn_bilinear(-2, 2, 2), "negative dimension");
  expect_error(ct_nn_unflatten(0, -1, NULL), "unflattened_size");
  expect_error(ct_nn_gelu((ct_gelu_approx)7), "approximate argument must be either none or tanh.");
  static const ct_module_kind none = {0};
  expect_error(ct_module_new(NULL), "kind is NULL");
  ct_module *m = ct_module_new(&(ct_module_kind){"Bare", 0});
  expect_fail(ct_module_call(m, &CT_VALUES(ct_v_int(1)), &(ct_values){0}) != 0,
              "Module [Bare] is missing the required \"forward\" function");
  (void)none;
  ct_module *s = ct_nn_sequential(ct_nn_identity());
  expect_error(ct_module_at(s, INT64_MIN + 1), "is out of range");
  expect_error(ct_module_insert(s, INT64_MAX, ct_nn_identity()), "Index out of range");
  ct_module *sl = ct_sequential_slice(s, INT64_MIN + 1, INT64_MAX, INT64_MAX);
  assert_int_equal(ct_module_len(sl), 1);
  /* wrong rank, empty and non-contiguous inputs through Linear */
  ct_module *l = ct_nn_linear(3, 2);
  ct_tensor *e = ct_forward(l, ct_zeros(CT_SHAPE(0, 3)));
  assert_int_equal(ct_size(e, 0), 0);
  ct_tensor *nc = ct_transpose(ct_randn(CT_SHAPE(3, 4)), 0, 1);
  assert_true(ct_allclose(ct_forward(l, nc), ct_forward(l, ct_contiguous(nc)), 1e-6, 1e-6));
  expect_error(ct_forward(l, ct_ones(CT_SHAPE(2, 4))), "cannot be multiplied");
  expect_error(ct_forward(l, ct_scalar_tensor(1, CT_FLOAT32)), "");
  ct_module *sm = ct_nn_softmax(5);
  expect_error(ct_forward(sm, ct_ones(CT_SHAPE(2, 3))), "Dimension out of range");
  ct_module_free(sm);
  ct_module *z = ct_nn_linear(0, 2); /* zero fan-in: bias bound 0, no draw on the empty weight */
  expect_exact(ct_module_get_parameter(z, "bias"), 0, 0);
  /* load_state_dict with a non-floating, 0-dim, or huge-name map */
  ct_tensor_map *sd = ct_tensor_map_new();
  char big[2000];
  memset(big, 'k', sizeof big - 1);
  big[sizeof big - 1] = 0;
  ct_tensor_map_set(sd, big, ct_ones(CT_SHAPE(1)));
  expect_fail(ct_module_load_state_dict(l, sd, true, NULL) != 0, "Unexpected key(s)");
  ct_tensor_map_free(sd);
  /* JSON: deep nesting and garbage */
  char deep[400];
  memset(deep, '[', sizeof deep - 1);
  deep[sizeof deep - 1] = 0;
  expect_error(ct_nn_from_json(deep), "nesting too deep");
  expect_error(ct_nn_from_json(""), "unexpected end of text");
  expect_error(ct_nn_from_json("{\"type\": \"Linear\", \"args\": [1e999999, 2]}"), "");
  expect_error(ct_nn_from_json("{\"type\": \"Linear\", \"args\": [99999999999999999999999, 2]}"), "bad number");
  ct_module_free(m);
  ct_module_free(s);
  ct_module_free(sl);
  ct_module_free(l);
  ct_module_free(z);
  /* every parameterless layer on empty, 0-dim and non-contiguous input: a result or an error */
  ct_module *acts[] = {ct_nn_flatten(0, -1), ct_nn_log_softmax(CT_NONE), ct_nn_sigmoid(), ct_nn_silu(false),
                       ct_nn_tanh(), ct_nn_module_dict(), ct_nn_parameter_dict()};
  ct_tensor *ins[] = {ct_zeros(CT_SHAPE(0, 3)), ct_scalar_tensor(2, CT_FLOAT32), nc,
                      ct_ones(CT_SHAPE(2), .dtype = CT_INT64)};
  for (size_t a = 0; a < sizeof acts / sizeof *acts; a++) {
    for (size_t i = 0; i < sizeof ins / sizeof *ins; i++) {
      ct_tensor *y = ct_forward(acts[a], ins[i]);
      if (!y) assert_non_null(ct_last_error());
      ct_clear_error();
    }
    ct_module_free(acts[a]);
  }
  expect_fail(ct_nn_register_kind(&(ct_module_kind){0}) != 0, "a kind needs a name");
  expect_fail(ct_nn_register_kind(&ct_nn_find_kind("Linear")[0]) != 0, "'Linear' is already registered");
  ct_clear_error();
  leak_end(lm, "hostile nn", __LINE__);
}

/* The static inline value builders have nothing to fail on; they make what they say. */
static void test_values_builders(void **state) {
  (void)state;
  assert_int_equal(ct_v_tensor(NULL).type, CT_V_TENSOR);
  assert_int_equal(ct_v_int(INT64_MIN).i, INT64_MIN);
  assert_true(isnan(ct_v_float(NAN).f));
  assert_true(ct_v_bool(true).b);
  assert_null(ct_v_str(NULL).s);
  assert_int_equal(ct_v_none().type, CT_V_NONE);
  assert_int_equal(ct_v_tuple(-1).n, -1);
  assert_string_equal(ct_v_kw("k", ct_v_none()).key, "k");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_null_nn), cmocka_unit_test(test_hostile_nn),
                                     cmocka_unit_test(test_values_builders)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
