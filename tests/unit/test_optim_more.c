/* RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD, SparseAdam and LBFGS against
 * PyTorch 1.13: the parameters after four steps (one with a None .grad) for default and full
 * option sets, the typed constructors, the state each keeps, LBFGS on Rosenbrock with and
 * without the strong-Wolfe line search, and every constructor / step message. Numbers from
 * /usr/bin/python3 tools/optim_more_ref.py (torch 1.13). */
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

#define expect_list(t, rtol, atol, ...) \
  ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)
#define F(k, v) ct_v_kw(k, ct_v_float(v))
#define B(k, v) ct_v_kw(k, ct_v_bool(v))
#define PAIR(k, a, b) ct_v_kw(k, ct_v_tuple(2)), ct_v_float(a), ct_v_float(b)

/* ramp(2x3, seed 1) and ramp(4, seed 2) as leaves of dtype dt */
static void make_params(ct_tensor **ps, ct_dtype dt) {
  ps[0] = ramp(2, (int64_t[]){2, 3}, dt, 1, true);
  ps[1] = ramp(1, (int64_t[]){4}, dt, 2, true);
}

/* grad(k, j, i) = ((3 i + 5 k + j) % 7 - 3) / 8, shaped like p */
static ct_tensor *make_grad(int k, int j, const ct_tensor *p) {
  double v[16];
  int64_t n = ct_numel(p);
  for (int64_t i = 0; i < n; i++) v[i] = (double)((3 * i + 5 * k + j) % 7 - 3) / 8;
  return ct_to(ct_tensor_from(v, CT_FLOAT64, ct_dim(p), ct_shape(p)), ct_dtype_of(p));
}

/* steps from .. to - 1 of four; parameter 1's .grad is None at step 2 */
static void run_range(ct_optim *o, ct_tensor **ps, int from, int to) {
  for (int k = from; k < to; k++) {
    for (int j = 0; j < 2; j++)
      assert_int_equal(ct_set_grad(ps[j], k == 2 && j == 1 ? NULL : make_grad(k, j, ps[j])), 0);
    if (ct_optim_step(o) != 0) fail_msg("step %d: %s", k, ct_last_error());
  }
}
static void run_steps(ct_optim *o, ct_tensor **ps) { run_range(o, ps, 0, 4); }

static void expect_params(ct_tensor **ps, const double *want, double rtol, const char *what) {
  char buf[96];
  snprintf(buf, sizeof buf, "%s param 0", what);
  ct_test_expect_vals(ps[0], want, 6, rtol, 1e-12, buf, __LINE__);
  snprintf(buf, sizeof buf, "%s param 1", what);
  ct_test_expect_vals(ps[1], want + 6, 4, rtol, 1e-12, buf, __LINE__);
}

typedef struct ref_case {
  const char *name;
  double want[10];
} ref_case;

static const ref_case cases[] = {
    /* RMSprop {} */
    {"RMSprop", {-0.9066532987536151, 0.7397771569872101, -0.2837662456519472, -1.1087475847211876, 0.39796221401583365, -0.48413380709679077, -0.7064438666168159, 0.8890343217333843, 0.09315970715019223, -0.9449013493776512}},
    /* RMSprop {'lr': 0.05, 'alpha': 0.9, 'eps': 1e-06, 'weight_decay': 0.1, 'momentum': 0.5, 'centered': True, 'maximize': True} */
    {"RMSprop", {-1.0768200500114615, 0.35789049467222744, -0.029226075793707076, -1.2891028997316767, 0.6181316618508678, -0.48702168341366475, -0.8273777332995462, 1.128248439286861, -0.22757224055491881, -0.7940620148449842}},
    /* Adagrad {} */
    {"Adagrad", {-0.9906962894639026, 0.7490068846359149, -0.25343896028035195, -1.2358583918670005, 0.4897949990641873, -0.4984111264671468, -0.7456478905269796, 0.9889061020092549, 0.009303710536097295, -0.9944721359573996}},
    /* Adagrad {'lr': 0.1, 'lr_decay': 0.05, 'weight_decay': 0.2, 'initial_accumulator_value': 0.5, 'eps': 1e-08, 'maximize': True} */
    {"Adagrad", {-0.9593258243567886, 0.7070580522437125, -0.221597618717485, -1.175238199923245, 0.4962756031216379, -0.4493886904790343, -0.7057104287048809, 0.9570377938894756, -0.043052732401429115, -0.9436454092116756}},
    /* Adadelta {} */
    {"Adadelta", {-0.9967689452566388, 0.7477403799741081, -0.2497106890541575, -1.2459690322247141, 0.4960051493283683, -0.5005924185525623, -0.7489751257214582, 0.9955353682391223, 0.0032138773205625834, -0.9989228910056004}},
    /* Adadelta {'lr': 0.5, 'rho': 0.8, 'eps': 1e-05, 'weight_decay': 0.1, 'maximize': True} */
    {"Adadelta", {-1.000217921811333, 0.7474877950832535, -0.24967422688460705, -1.2472921909232588, 0.5024976423839991, -0.49757399292512694, -0.7495930859943476, 1.0025407062491114, -0.0036578046069773904, -0.9955161524442813}},
    /* Adamax {} */
    {"Adamax", {-0.9970997270586398, 0.7503538069921108, -0.25369882799884697, -1.245995767244931, 0.49667663872477114, -0.49910262997491833, -0.7484407525965242, 0.9974004662896951, 0.0028941422041605996, -0.9986518700244978}},
    /* Adamax {'lr': 0.01, 'betas': (0.8, 0.9), 'eps': 1e-06, 'weight_decay': 0.1, 'maximize': True} */
    {"Adamax", {-1.005080535118944, 0.7339298444402581, -0.23058559459990735, -1.2509757348793635, 0.5120479356349236, -0.5000617656037599, -0.7541554563268922, 1.0046275567677658, -0.014694008577264276, -0.989551966839912}},
    /* NAdam {} */
    {"NAdam", {-0.9977036315587481, 0.7495729650294213, -0.2507760730838573, -1.2468772225840923, 0.49749957307088266, -0.4996649663033909, -0.74901102570074, 0.9974548902705893, 0.0021609515994290445, -0.9987976202586641}},
    /* NAdam {'lr': 0.01, 'betas': (0.8, 0.9), 'eps': 1e-06, 'weight_decay': 0.1, 'momentum_decay': 0.01} */
    {"NAdam", {-0.9800075259844491, 0.7322196850965573, -0.2515915946179899, -1.2262428981501439, 0.4821364786519674, -0.4943342217356763, -0.741013846108992, 0.978866764952753, 0.011555941511543065, -0.9779114284772353}},
    /* RAdam {} */
    {"RAdam", {-0.9994565835880808, 0.7500006250207892, -0.2506930713360638, -1.2494993749792107, 0.4995524942353233, -0.49995658358808076, -0.7498326374053215, 0.9997934793163721, 0.0005423625946785784, -0.9998315206836279}},
    /* RAdam {'lr': 0.01, 'betas': (0.5, 0.6), 'eps': 1e-06, 'weight_decay': 0.1} */
    {"RAdam", {-0.9916081409279491, 0.7459065087747554, -0.253084167262781, -1.241107661968762, 0.49424698595616506, -0.49860051052759363, -0.746921094, 0.9949204277142858, 0.004577858571428572, -0.9953363805714286}},
    /* Rprop {} */
    {"Rprop", {-0.985, 0.755, -0.266, -1.228, 0.5, -0.495, -0.735, 0.985, 0.015, -0.99}},
    /* Rprop {'lr': 0.05, 'etas': (0.3, 1.5), 'step_sizes': (0.01, 0.1), 'maximize': True} */
    {"Rprop", {-1.065, 0.715, -0.1475, -1.375, 0.5, -0.535, -0.8150000000000001, 1.065, -0.065, -1.05}},
    /* ASGD {} */
    {"ASGD", {-0.9962460100696563, 0.7474970053330587, -0.24999899681589738, -1.2474950078877325, 0.49624800974570216, -0.5012479968647043, -0.7499977503226543, 0.9974970041051479, 0.0037499930535425862, -0.9987470025332361}},
    /* ASGD {'lr': 0.05, 'lambd': 0.01, 'alpha': 0.5, 't0': 1, 'weight_decay': 0.1, 'maximize': True} */
    {"ASGD", {-0.9967621806475608, 0.7461647863997952, -0.24487332083392815, -1.2349983913155678, 0.5077003187318462, -0.4828824168588808, -0.737663535275287, 0.9960557910591904, -0.018609971018125067, -0.9897759612513176}},
};

/* case c's keywords (NULL: none) */
static const ct_values *case_kw(int c, ct_values *kw) {
  switch (c) {
  case 1: *kw = CT_VALUES(F("lr", 0.05), F("alpha", 0.9), F("eps", 1e-6), F("weight_decay", 0.1), F("momentum", 0.5), B("centered", true), B("maximize", true)); return kw;
  case 3: *kw = CT_VALUES(F("lr", 0.1), F("lr_decay", 0.05), F("weight_decay", 0.2), F("initial_accumulator_value", 0.5), F("eps", 1e-8), B("maximize", true)); return kw;
  case 5: *kw = CT_VALUES(F("lr", 0.5), F("rho", 0.8), F("eps", 1e-5), F("weight_decay", 0.1), B("maximize", true)); return kw;
  case 7: *kw = CT_VALUES(F("lr", 0.01), PAIR("betas", 0.8, 0.9), F("eps", 1e-6), F("weight_decay", 0.1), B("maximize", true)); return kw;
  case 9: *kw = CT_VALUES(F("lr", 0.01), PAIR("betas", 0.8, 0.9), F("eps", 1e-6), F("weight_decay", 0.1), F("momentum_decay", 0.01)); return kw;
  case 11: *kw = CT_VALUES(F("lr", 0.01), PAIR("betas", 0.5, 0.6), F("eps", 1e-6), F("weight_decay", 0.1)); return kw;
  case 13: *kw = CT_VALUES(F("lr", 0.05), PAIR("etas", 0.3, 1.5), PAIR("step_sizes", 0.01, 0.1), B("maximize", true)); return kw;
  case 15: *kw = CT_VALUES(F("lr", 0.05), F("lambd", 0.01), F("alpha", 0.5), ct_v_kw("t0", ct_v_int(1)), F("weight_decay", 0.1), B("maximize", true)); return kw;
  default: return NULL;
  }
}


/* every case with parameters of dtype dt: PyTorch's float64 numbers to rtol; the update is in place */
static void run_cases(ct_dtype dt, double rtol) {
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    live_mark lm = leak_begin();
    ct_tensor *ps[2];
    make_params(ps, dt);
    ct_values kw;
    ct_optim *o = ct_optim_create(cases[c].name, ps, 2, case_kw((int)c, &kw));
    if (!o) fail_msg("%s: %s", cases[c].name, ct_last_error());
    assert_string_equal(ct_optim_name(o), cases[c].name);
    int64_t v0 = ct_version(ps[0]);
    run_steps(o, ps);
    assert_true(ct_version(ps[0]) > v0);
    assert_int_equal(ct_dtype_of(ps[0]), dt);
    expect_params(ps, cases[c].want, rtol, cases[c].name);
    ct_optim_free(o);
    leak_end(lm, cases[c].name, __LINE__);
  }
}

static void test_values(void **state) {
  (void)state;
  run_cases(CT_FLOAT64, 1e-10);
}

/* float32 parameters give PyTorch's float64 numbers to float32 precision */
static void test_float32(void **state) {
  (void)state;
  run_cases(CT_FLOAT32, 2e-5);
}

/* the typed constructors pass their options through: the same numbers as the keyword cases */
static void test_typed_values(void **state) {
  (void)state;
  for (int c = 0; c < 16; c++) {
    live_mark lm = leak_begin();
    ct_tensor *ps[2];
    make_params(ps, CT_FLOAT64);
    ct_optim *o = NULL;
    switch (c) {
    case 0: o = ct_optim_rmsprop(ps, 2); break;
    case 1: o = ct_optim_rmsprop(ps, 2, .lr = 0.05, .alpha = 0.9, .eps = 1e-6, .weight_decay = 0.1,
                                 .momentum = 0.5, .centered = true, .maximize = true); break;
    case 2: o = ct_optim_adagrad(ps, 2); break;
    case 3: o = ct_optim_adagrad(ps, 2, .lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.2,
                                 .initial_accumulator_value = 0.5, .eps = 1e-8, .maximize = true); break;
    case 4: o = ct_optim_adadelta(ps, 2); break;
    case 5: o = ct_optim_adadelta(ps, 2, .lr = 0.5, .rho = 0.8, .eps = 1e-5, .weight_decay = 0.1,
                                  .maximize = true); break;
    case 6: o = ct_optim_adamax(ps, 2); break;
    case 7: o = ct_optim_adamax(ps, 2, .lr = 0.01, .betas = {0.8, 0.9}, .eps = 1e-6, .weight_decay = 0.1,
                                .maximize = true); break;
    case 8: o = ct_optim_nadam(ps, 2); break;
    case 9: o = ct_optim_nadam(ps, 2, .lr = 0.01, .betas = {0.8, 0.9}, .eps = 1e-6, .weight_decay = 0.1,
                               .momentum_decay = 0.01); break;
    case 10: o = ct_optim_radam(ps, 2); break;
    case 11: o = ct_optim_radam(ps, 2, .lr = 0.01, .betas = {0.5, 0.6}, .eps = 1e-6, .weight_decay = 0.1); break;
    case 12: o = ct_optim_rprop(ps, 2); break;
    case 13: o = ct_optim_rprop(ps, 2, .lr = 0.05, .etas = {0.3, 1.5}, .step_sizes = {0.01, 0.1},
                                .maximize = true); break;
    case 14: o = ct_optim_asgd(ps, 2); break;
    default: o = ct_optim_asgd(ps, 2, .lr = 0.05, .lambd = 0.01, .alpha = 0.5, .t0 = 1, .weight_decay = 0.1,
                               .maximize = true); break;
    }
    if (!o) fail_msg("typed %d: %s", c, ct_last_error());
    assert_string_equal(ct_optim_name(o), cases[c].name);
    run_steps(o, ps);
    expect_params(ps, cases[c].want, 1e-10, cases[c].name);
    ct_optim_free(o);
    leak_end(lm, cases[c].name, __LINE__);
  }
}

/* state as PyTorch 1.13 keeps it: names, dtypes, counts (parameter 1 skipped one step) */
static void test_state(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *ps[2];
  make_params(ps, CT_FLOAT64);
  ct_optim *o = ct_optim_rmsprop(ps, 2, .momentum = 0.5, .centered = true);
  run_steps(o, ps);
  assert_int_equal(ct_item_int64(ct_optim_state(o, ps[0], "step")), 4);
  assert_int_equal(ct_item_int64(ct_optim_state(o, ps[1], "step")), 3);
  const char *keys[] = {"square_avg", "momentum_buffer", "grad_avg"};
  for (int i = 0; i < 3; i++) assert_int_equal(ct_dtype_of(ct_optim_state(o, ps[0], keys[i])), CT_FLOAT64);
  ct_optim_free(o);

  make_params(ps, CT_FLOAT64);
  o = ct_optim_nadam(ps, 2);
  run_steps(o, ps);
  ct_tensor *s = ct_optim_state(o, ps[1], "step"), *mp = ct_optim_state(o, ps[1], "mu_product");
  assert_int_equal(ct_dtype_of(s), CT_FLOAT32);
  assert_int_equal(ct_dim(s), 0);
  assert_true(ct_item(s) == 3);
  assert_int_equal(ct_dtype_of(mp), CT_FLOAT32);
  /* torch: o.state[p1]['mu_product'] */
  expect_list(mp, 1e-7, 0, 0.09121428430080414);
  ct_optim_free(o);

  make_params(ps, CT_FLOAT64);
  o = ct_optim_asgd(ps, 2, .t0 = 1);
  run_steps(o, ps);
  /* torch: o.state[p0]['eta'], ['mu'], ['ax'][0, :2] (float32 eta and mu) */
  assert_int_equal(ct_dtype_of(ct_optim_state(o, ps[0], "eta")), CT_FLOAT32);
  expect_list(ct_optim_state(o, ps[0], "eta"), 1e-7, 0, 0.009999969974160194);
  expect_list(ct_optim_state(o, ps[0], "mu"), 1e-7, 0, 0.3333333432674408);
  expect_list(ct_slice(ct_flatten(ct_optim_state(o, ps[0], "ax"), 0, -1), 0, 0, 2, 1), 1e-10, 0, -0.9974965066201231, 0.7481223782951355);
  ct_optim_free(o);

  make_params(ps, CT_FLOAT64);
  o = ct_optim_rprop(ps, 2);
  run_steps(o, ps);
  expect_list(ct_optim_state(o, ps[0], "step_size"), 1e-10, 0, 0.005, 0.005, 0.006, 0.006, 0.005, 0.0025);
  ct_optim_free(o);
  leak_end(lm, "state", __LINE__);
}

/* two steps, state_dict into a new optimizer, two more steps: the four straight steps, bit for
 * bit (float32 parameters: the float32 state and the int64 / float32 step counters survive) */
static void test_resume(void **state) {
  (void)state;
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    live_mark lm = leak_begin();
    ct_tensor *a[2], *b[2];
    make_params(a, CT_FLOAT32), make_params(b, CT_FLOAT32);
    ct_values kw;
    ct_optim *oa = ct_optim_create(cases[c].name, a, 2, case_kw((int)c, &kw));
    ct_optim *ob = ct_optim_create(cases[c].name, b, 2, case_kw((int)c, &kw));
    run_steps(oa, a);
    run_range(ob, b, 0, 2);
    ct_tensor_map *sd = ct_optim_state_dict(ob);
    if (!sd) fail_msg("%s: state_dict: %s", cases[c].name, ct_last_error());
    ct_optim_free(ob);
    ob = ct_optim_create(cases[c].name, b, 2, case_kw((int)c, &kw));
    if (ct_optim_load_state_dict(ob, sd) != 0) fail_msg("%s: load: %s", cases[c].name, ct_last_error());
    ct_tensor_map_free(sd);
    run_range(ob, b, 2, 4);
    if (!ct_equal(a[0], b[0]) || !ct_equal(a[1], b[1])) fail_msg("%s: the resumed run differs", cases[c].name);
    ct_optim_free(oa), ct_optim_free(ob);
    leak_end(lm, cases[c].name, __LINE__);
  }
}

/* ---- LBFGS -------------------------------------------------------------------------------- */
typedef struct rosen {
  ct_optim *o;
  ct_tensor *x;
  int calls;
} rosen;

/* (1 - x0)^2 + 100 (x1 - x0^2)^2, after zero_grad, with backward */
static ct_tensor *rosen_closure(void *user) {
  rosen *r = user;
  r->calls++;
  if (ct_optim_zero_grad(r->o, false)) return NULL;
  ct_tensor *x0 = ct_select(r->x, 0, 0), *x1 = ct_select(r->x, 0, 1);
  ct_tensor *a = ct_rsub_scalar(x0, 1), *b = ct_sub(x1, ct_square(x0));
  ct_tensor *loss = ct_add(ct_square(a), ct_mul_scalar(ct_square(b), 100));
  return ct_backward(loss) ? NULL : loss;
}

typedef struct lbfgs_ref {
  double loss, x[2];
  int func_evals, n_iter;
} lbfgs_ref;

static const lbfgs_ref lbfgs_refs[4][2] = {
    /* LBFGS line_search_fn=None torch.float64: (loss, x, func_evals, n_iter) per step() */
    {{12.5, {-1.4105720056597648, 2.0043987053713246}, 5, 5},
     {5.832423263341982, {-1.3565706554550787, 1.8105357312607575}, 10, 10}},
    /* LBFGS line_search_fn=None torch.float32: (loss, x, func_evals, n_iter) per step() */
    {{12.5, {-1.4105720520019531, 2.0043985843658447}, 5, 5},
     {5.832422733306885, {-1.3565870523452759, 1.8105857372283936}, 10, 10}},
    /* LBFGS line_search_fn=strong_wolfe torch.float64: (loss, x, func_evals, n_iter) per step() */
    {{12.5, {-1.4190151739012853, 2.015228881713949}, 6, 4},
     {5.851898414902332, {-1.1382996644053174, 1.2446282267668645}, 12, 9}},
    /* LBFGS line_search_fn=strong_wolfe torch.float32: (loss, x, func_evals, n_iter) per step() */
    {{12.5, {-1.4190157651901245, 2.015231132507324}, 6, 4},
     {5.851902008056641, {-1.1383297443389893, 1.2446937561035156}, 12, 9}},
};

static void lbfgs_case(const char *ls, ct_dtype dt, const lbfgs_ref *want, double rtol) {
  live_mark lm = leak_begin();
  ct_tensor *x = ct_requires_grad_(ct_to(ct_tensor_from((double[]){-1.5, 2.0}, CT_FLOAT64, 1, (int64_t[]){2}), dt), true);
  rosen r = {ct_optim_lbfgs(&x, 1, .max_iter = 5, .history_size = 3, .line_search_fn = ls), x, 0};
  if (!r.o) fail_msg("LBFGS: %s", ct_last_error());
  assert_true(ct_optim_get(r.o, 0, "max_eval") == 6); /* max_iter * 5 // 4 */
  for (int s = 0; s < 2; s++) {
    ct_tensor *loss = ct_optim_step_closure(r.o, rosen_closure, &r);
    if (!loss) fail_msg("LBFGS step: %s", ct_last_error());
    expect_vals(loss, &want[s].loss, 1, rtol, 0);
    expect_vals(x, want[s].x, 2, rtol, 0);
    assert_int_equal(ct_item_int64(ct_optim_state(r.o, x, "func_evals")), want[s].func_evals);
    assert_int_equal(ct_item_int64(ct_optim_state(r.o, x, "n_iter")), want[s].n_iter);
  }
  assert_int_equal(r.calls, want[1].func_evals);
  ct_optim_free(r.o);
  leak_end(lm, "lbfgs", __LINE__);
}

/* LBFGS resumed from its state_dict (history stacked as [k, numel]) continues exactly */
static void test_lbfgs_resume(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *x = ct_requires_grad_(ct_tensor_from((double[]){-1.5, 2.0}, CT_FLOAT64, 1, (int64_t[]){2}), true);
  rosen r = {ct_optim_lbfgs(&x, 1, .max_iter = 5, .history_size = 3, .line_search_fn = "strong_wolfe"), x, 0};
  assert_non_null(ct_optim_step_closure(r.o, rosen_closure, &r));
  ct_tensor_map *sd = ct_optim_state_dict(r.o);
  assert_non_null(sd);
  ct_optim_free(r.o);
  r.o = ct_optim_lbfgs(&x, 1, .max_iter = 5, .history_size = 3, .line_search_fn = "strong_wolfe");
  if (ct_optim_load_state_dict(r.o, sd) != 0) fail_msg("load: %s", ct_last_error());
  ct_tensor_map_free(sd);
  assert_int_equal(ct_size(ct_optim_state(r.o, x, "old_dirs"), 0), 3);
  assert_non_null(ct_optim_step_closure(r.o, rosen_closure, &r));
  expect_vals(x, lbfgs_refs[2][1].x, 2, 1e-9, 0);
  assert_int_equal(ct_item_int64(ct_optim_state(r.o, x, "func_evals")), lbfgs_refs[2][1].func_evals);
  ct_optim_free(r.o);
  leak_end(lm, "lbfgs resume", __LINE__);
}

static void test_lbfgs(void **state) {
  (void)state;
  lbfgs_case(NULL, CT_FLOAT64, lbfgs_refs[0], 1e-9);
  lbfgs_case(NULL, CT_FLOAT32, lbfgs_refs[1], 1e-4);
  lbfgs_case("strong_wolfe", CT_FLOAT64, lbfgs_refs[2], 1e-9);
  lbfgs_case("strong_wolfe", CT_FLOAT32, lbfgs_refs[3], 1e-4);
}

/* ---- messages ------------------------------------------------------------------------------- */
static void expect_create_error(const char *name, ct_values kw, const char *msg) {
  ct_tensor *p = ct_requires_grad_(ct_zeros(CT_SHAPE(2), .dtype = CT_FLOAT64), true);
  expect_error(ct_optim_create(name, &p, 1, &kw), msg);
}

static void test_errors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  expect_create_error("RMSprop", CT_VALUES(F("lr", -1)), "Invalid learning rate: -1.0");
  expect_create_error("RMSprop", CT_VALUES(F("eps", -1e-8)), "Invalid epsilon value: -1e-08");
  expect_create_error("RMSprop", CT_VALUES(F("momentum", -0.5)), "Invalid momentum value: -0.5");
  expect_create_error("RMSprop", CT_VALUES(F("weight_decay", -0.1)), "Invalid weight_decay value: -0.1");
  expect_create_error("RMSprop", CT_VALUES(F("alpha", -0.99)), "Invalid alpha value: -0.99");
  expect_create_error("Adagrad", CT_VALUES(F("lr_decay", -0.5)), "Invalid lr_decay value: -0.5");
  expect_create_error("Adagrad", CT_VALUES(F("weight_decay", -1)), "Invalid weight_decay value: -1.0");
  expect_create_error("Adagrad", CT_VALUES(F("initial_accumulator_value", -1)),
                      "Invalid initial_accumulator_value value: -1.0");
  expect_create_error("Adagrad", CT_VALUES(F("eps", -1)), "Invalid epsilon value: -1.0");
  expect_create_error("Adadelta", CT_VALUES(F("rho", 1.5)), "Invalid rho value: 1.5");
  expect_create_error("Adadelta", CT_VALUES(F("lr", -2)), "Invalid learning rate: -2.0");
  expect_create_error("Adamax", CT_VALUES(PAIR("betas", 1.0, 0.9)), "Invalid beta parameter at index 0: 1.0");
  expect_create_error("Adamax", CT_VALUES(PAIR("betas", 0.9, -0.1)), "Invalid beta parameter at index 1: -0.1");
  expect_create_error("NAdam", CT_VALUES(F("momentum_decay", -1)), "Invalid momentum_decay value: -1.0");
  expect_create_error("NAdam", CT_VALUES(F("eps", -1)), "Invalid epsilon value: -1.0");
  expect_create_error("RAdam", CT_VALUES(F("weight_decay", -1)), "Invalid weight_decay value: -1.0");
  expect_create_error("RAdam", CT_VALUES(PAIR("betas", 0.9, 1.0)), "Invalid beta parameter at index 1: 1.0");
  expect_create_error("Rprop", CT_VALUES(PAIR("etas", 1.5, 1.2)), "Invalid eta values: 1.5, 1.2");
  expect_create_error("Rprop", CT_VALUES(PAIR("etas", 0.5, 0.9)), "Invalid eta values: 0.5, 0.9");
  expect_create_error("Rprop", CT_VALUES(F("lr", -1)), "Invalid learning rate: -1.0");
  expect_create_error("ASGD", CT_VALUES(F("weight_decay", -1)), "Invalid weight_decay value: -1.0");
  expect_create_error("SparseAdam", CT_VALUES(F("lr", 0)), "Invalid learning rate: 0.0");
  expect_create_error("SparseAdam", CT_VALUES(F("eps", 0)), "Invalid epsilon value: 0.0");
  expect_create_error("SparseAdam", CT_VALUES(PAIR("betas", 0.9, 1.0)), "Invalid beta parameter at index 1: 1.0");
  /* a value given as an int prints as Python prints it */
  expect_create_error("RMSprop", CT_VALUES(ct_v_kw("lr", ct_v_int(-1))), "Invalid learning rate: -1");
  expect_create_error("NAdam", CT_VALUES(ct_v_kw("weight_decay", ct_v_int(-2))), "Invalid weight_decay value: -2");
  expect_create_error("RMSprop", CT_VALUES(F("nesterov", 1)), "nesterov");
  expect_error(ct_optim_rmsprop((ct_tensor *[]){NULL}, 0), "optimizer got an empty parameter list");
  leak_end(lm, "errors", __LINE__);
}

/* SparseAdam: 1.13 refuses dense gradients at step(); a step with no gradient changes nothing */
static void test_sparse_adam(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *ps[2];
  make_params(ps, CT_FLOAT64);
  ct_optim *o = ct_optim_sparse_adam(ps, 2);
  assert_non_null(o);
  assert_int_equal(ct_optim_step(o), 0); /* every .grad None */
  assert_int_equal(ct_set_grad(ps[1], make_grad(0, 1, ps[1])), 0);
  int64_t v = ct_version(ps[1]);
  expect_fail(ct_optim_step(o), "SparseAdam does not support dense gradients, please consider Adam instead");
  assert_int_equal(ct_version(ps[1]), v);
  assert_null(ct_optim_state(o, ps[1], "exp_avg"));
  ct_optim_free(o);
  leak_end(lm, "sparse_adam", __LINE__);
}

static ct_tensor *bad_closure(void *user) {
  (void)user;
  return NULL;
}

static void test_lbfgs_errors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *ps[2];
  make_params(ps, CT_FLOAT64);
  ct_optim *o = ct_optim_lbfgs(ps, 1);
  expect_fail(ct_optim_add_param_group(o, ps + 1, 1, NULL),
              "LBFGS doesn't support per-parameter options (parameter groups)");
  assert_int_equal(ct_optim_num_groups(o), 1);
  expect_fail(ct_optim_step(o), "step() missing 1 required positional argument: 'closure'");
  expect_error(ct_optim_step_closure(o, bad_closure, NULL), "");
  ct_optim_free(o);
  /* an unknown line search is refused when the line search would run, as in PyTorch */
  ct_tensor *x = ct_requires_grad_(ct_to(ct_tensor_from((double[]){-1.5, 2.0}, CT_FLOAT64, 1, (int64_t[]){2}),
                                         CT_FLOAT64), true);
  rosen r = {ct_optim_lbfgs(&x, 1, .line_search_fn = "backtracking"), x, 0};
  assert_non_null(r.o);
  expect_error(ct_optim_step_closure(r.o, rosen_closure, &r), "only 'strong_wolfe' is supported");
  ct_optim_free(r.o);
  leak_end(lm, "lbfgs errors", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values), cmocka_unit_test(test_float32),      cmocka_unit_test(test_typed_values),
      cmocka_unit_test(test_state),  cmocka_unit_test(test_resume),  cmocka_unit_test(test_lbfgs), cmocka_unit_test(test_lbfgs_resume),        cmocka_unit_test(test_errors),
      cmocka_unit_test(test_sparse_adam), cmocka_unit_test(test_lbfgs_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
