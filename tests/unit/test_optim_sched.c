/* torch.optim.lr_scheduler: every scheduler's learning-rate (and momentum / beta1) sequence
 * against PyTorch 1.13 bit for bit (float64 arithmetic in Python's order), step(epoch)'s closed
 * forms, state_dict save / load mid-run (through safetensors), the typed constructors, seed 004's
 * snippets, and PyTorch's error messages with nothing changed.
 * Expected values: tests/unit/data/gen_lr_scheduler.py (run with /usr/bin/python3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "ctorch.h"
#include "ct_test.h"

typedef struct sched_case {
  const char *label, *optim, *name;
  ct_values kwargs;
  int steps;
  const double *metrics; /* ReduceLROnPlateau */
  const double *lrs;     /* steps x 2 groups */
  const double *moms;    /* momentum or betas[0], steps x 2 */
} sched_case;
typedef struct epoch_case {
  const char *label, *name;
  ct_values kwargs;
  int n;
  const double *epochs, *lrs;
} epoch_case;
#include "data/lr_scheduler_expected.h"

#define NCASES N_SCHED_CASES
static sched_case SCHED_CASES[N_SCHED_CASES];
static epoch_case EPOCH_CASES[N_EPOCH_CASES];

static int setup(void **state) {
  (void)state;
  sched_cases(SCHED_CASES);
  epoch_cases(EPOCH_CASES);
  return 0;
}

/* ---- fixtures ---------------------------------------------------------------------------- */
static ct_tensor *P[2];

/* The generator's optimizers: SGD(lr=0.1, momentum=0.9) or Adam(lr=0.1, betas=(0.9, 0.99)) over
 * two groups, the second with lr 0.05. */
static ct_optim *make_optim(const char *kind) {
  P[0] = ct_zeros(CT_SHAPE(2), .dtype = CT_FLOAT64, .requires_grad = true);
  P[1] = ct_zeros(CT_SHAPE(3), .dtype = CT_FLOAT64, .requires_grad = true);
  ct_optim *o = strcmp(kind, "SGD") == 0
                    ? ct_optim_create("SGD", P, 1, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.1)), ct_v_kw("momentum", ct_v_float(0.9))))
                    : ct_optim_create("Adam", P, 1,
                                      &CT_VALUES(ct_v_kw("lr", ct_v_float(0.1)), ct_v_kw("betas", ct_v_tuple(2)),
                                                 ct_v_float(0.9), ct_v_float(0.99)));
  assert_non_null(o);
  assert_int_equal(ct_optim_add_param_group(o, P + 1, 1, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.05)))), 0);
  return o;
}

static double mom_of(const ct_optim *o, int g) {
  return ct_optim_has(o, g, "betas") ? ct_optim_get_at(o, g, "betas", 0) : ct_optim_get(o, g, "momentum");
}

static int step_case(ct_lr_scheduler *s, const sched_case *c, int i) {
  return c->metrics ? ct_lr_scheduler_step_metric(s, c->metrics[i]) : ct_lr_scheduler_step(s);
}

/* Steps i in [from, to) match PyTorch exactly: get_last_lr, the groups' lr and momentum. */
static void expect_steps(ct_lr_scheduler *s, ct_optim *o, const sched_case *c, int from, int to) {
  for (int i = from; i < to; i++) {
    if (step_case(s, c, i) != 0) fail_msg("%s step %d: %s", c->label, i, ct_last_error());
    double got[2];
    assert_int_equal(ct_lr_scheduler_get_last_lr(s, got, 2), 2);
    for (int g = 0; g < 2; g++) {
      if (got[g] != c->lrs[2 * i + g] || ct_optim_get(o, g, "lr") != c->lrs[2 * i + g])
        fail_msg("%s step %d group %d: lr %.17g, PyTorch %.17g", c->label, i, g, got[g], c->lrs[2 * i + g]);
      if (mom_of(o, g) != c->moms[2 * i + g])
        fail_msg("%s step %d group %d: momentum %.17g, PyTorch %.17g", c->label, i, g, mom_of(o, g),
                 c->moms[2 * i + g]);
    }
  }
}

static void test_sequences(void **state) {
  (void)state;
  for (int k = 0; k < NCASES; k++) {
    const sched_case *c = &SCHED_CASES[k];
    ct_optim *o = make_optim(c->optim);
    ct_lr_scheduler *s = ct_lr_scheduler_create(c->name, o, &c->kwargs);
    if (!s) fail_msg("%s: %s", c->label, ct_last_error());
    assert_string_equal(ct_lr_scheduler_name(s), c->name);
    assert_ptr_equal(ct_lr_scheduler_optimizer(s), o);
    expect_steps(s, o, c, 0, c->steps);
    ct_lr_scheduler_free(s);
    ct_optim_free(o);
    ct_release(P[0]);
    ct_release(P[1]);
  }
}

/* state_dict half way, through a safetensors buffer, into a NEW scheduler built the same way
 * (its construction moved the groups' lr: they are put back, as the optimizer's own state_dict
 * would): the second half is PyTorch's. */
static void test_state_resume(void **state) {
  (void)state;
  for (int k = 0; k < NCASES; k++) {
    const sched_case *c = &SCHED_CASES[k];
    int half = c->steps / 2;
    ct_optim *o = make_optim(c->optim);
    ct_lr_scheduler *s = ct_lr_scheduler_create(c->name, o, &c->kwargs);
    assert_non_null(s);
    expect_steps(s, o, c, 0, half);
    ct_tensor_map *sd = ct_lr_scheduler_state_dict(s);
    assert_non_null(sd);
    size_t len = 0;
    void *buf = ct_safetensors_dumps(sd, &len);
    assert_non_null(buf);
    ct_tensor_map *back = ct_safetensors_loads(buf, len);
    assert_non_null(back);
    free(buf);
    ct_lr_scheduler_free(s);

    ct_lr_scheduler *s2 = ct_lr_scheduler_create(c->name, o, &c->kwargs);
    assert_non_null(s2);
    if (ct_lr_scheduler_load_state_dict(s2, back) != 0) fail_msg("%s: %s", c->label, ct_last_error());
    for (int g = 0; g < 2; g++) {
      ct_optim_set(o, g, "lr", c->lrs[2 * (half - 1) + g]);
      if (ct_optim_has(o, g, "betas")) ct_optim_set_at(o, g, "betas", 0, c->moms[2 * (half - 1) + g]);
      else ct_optim_set(o, g, "momentum", c->moms[2 * (half - 1) + g]);
    }
    assert_int_equal(ct_lr_scheduler_last_epoch(s2), ct_lr_scheduler_last_epoch(s2)); /* readable */
    expect_steps(s2, o, c, half, c->steps);
    ct_tensor_map_free(sd);
    ct_tensor_map_free(back);
    ct_lr_scheduler_free(s2);
    ct_optim_free(o);
    ct_release(P[0]);
    ct_release(P[1]);
  }
}

static void test_step_epoch(void **state) {
  (void)state;
  for (int k = 0; k < N_EPOCH_CASES; k++) {
    const epoch_case *c = &EPOCH_CASES[k];
    ct_optim *o = make_optim("SGD");
    ct_lr_scheduler *s = ct_lr_scheduler_create(c->name, o, &c->kwargs);
    assert_non_null(s);
    for (int i = 0; i < c->n; i++) {
      assert_int_equal(ct_lr_scheduler_step_epoch(s, c->epochs[i]), 0);
      assert_int_equal(ct_lr_scheduler_last_epoch(s), (int64_t)floor(c->epochs[i]));
      for (int g = 0; g < 2; g++)
        if (ct_optim_get(o, g, "lr") != c->lrs[2 * i + g])
          fail_msg("%s epoch %g group %d: %.17g, PyTorch %.17g", c->label, c->epochs[i], g, ct_optim_get(o, g, "lr"),
                   c->lrs[2 * i + g]);
    }
    ct_lr_scheduler_free(s);
    ct_optim_free(o);
    ct_release(P[0]);
    ct_release(P[1]);
  }
}

/* ---- typed constructors: the same sequences as their by-name cases ------------------------ */
static ct_tensor *ps_at(ct_tensor *a, ct_tensor *b, int g) { return g == 0 ? a : b; }

static const sched_case *find_case(const char *label) {
  for (int k = 0; k < NCASES; k++)
    if (strcmp(SCHED_CASES[k].label, label) == 0) return &SCHED_CASES[k];
  fail_msg("no case %s", label);
  return NULL;
}

static double table5(int epoch, void *user) {
  (void)user;
  static const double t[] = {0.0, 0.25, 0.5, 0.75, 1.0};
  return t[epoch < 4 ? epoch : 4];
}
static double table_a(int epoch, void *user) {
  (void)user;
  return epoch < 1 ? 0.5 : 1.0;
}
static double table_b(int epoch, void *user) {
  const double *t = user;
  return t[epoch < 2 ? epoch : 2];
}
static double mult_table(int epoch, void *user) {
  (void)user;
  static const double t[] = {1.0, 0.9, 0.8, 0.95};
  return t[epoch < 3 ? epoch : 3];
}
static double scale_table(double x, void *user) {
  (void)user;
  static const double t[] = {1.0, 0.5, 0.25};
  return t[(int)x < 2 ? (int)x : 2];
}

typedef ct_lr_scheduler *(*typed_fn)(ct_optim *o);
static ct_lr_scheduler *t_step(ct_optim *o) { return ct_lr_step_lr(o, 3, .gamma = 0.5); }
static ct_lr_scheduler *t_multistep(ct_optim *o) {
  return ct_lr_multi_step_lr(o, 4, ((const int64_t[]){8, 5, 2, 5}), .gamma = 0.3);
}
static ct_lr_scheduler *t_constant(ct_optim *o) { return ct_lr_constant_lr(o, .factor = 0.25, .total_iters = 4); }
static ct_lr_scheduler *t_linear(ct_optim *o) {
  return ct_lr_linear_lr(o, .start_factor = 0.2, .end_factor = 0.9, .total_iters = 5);
}
static ct_lr_scheduler *t_exponential(ct_optim *o) { return ct_lr_exponential_lr(o, 0.85); }
static ct_lr_scheduler *t_polynomial(ct_optim *o) { return ct_lr_polynomial_lr(o, .total_iters = 6, .power = 2.0); }
static ct_lr_scheduler *t_cosine(ct_optim *o) { return ct_lr_cosine_annealing_lr(o, 4, .eta_min = 0.001); }
static ct_lr_scheduler *t_warm(ct_optim *o) {
  return ct_lr_cosine_annealing_warm_restarts(o, 3, .T_mult = 2, .eta_min = 0.002);
}
static ct_lr_scheduler *t_cyclic(ct_optim *o) {
  return ct_lr_cyclic_lr(o, CT_LR_GROUPS(0.01), CT_LR_GROUPS(0.1, 0.2), .step_size_up = 2, .step_size_down = 3,
                         .mode = CT_CYCLIC_TRIANGULAR2);
}
static ct_lr_scheduler *t_cyclic_exp(ct_optim *o) {
  return ct_lr_cyclic_lr(o, CT_LR_GROUPS(0.01), CT_LR_GROUPS(0.1), .step_size_up = 3, .mode = CT_CYCLIC_EXP_RANGE,
                         .gamma = 0.9, .base_momentum = CT_LR_GROUPS(0.7, 0.75), .max_momentum = CT_LR_GROUPS(0.95));
}
static ct_lr_scheduler *t_cyclic_table(ct_optim *o) {
  return ct_lr_cyclic_lr(o, CT_LR_GROUPS(0.01), CT_LR_GROUPS(0.1), .step_size_up = 2, .scale_fn = scale_table,
                         .scale_mode = CT_CYCLIC_SCALE_ITERATIONS);
}
static ct_lr_scheduler *t_onecycle(ct_optim *o) { return ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.5), .total_steps = 10); }
static ct_lr_scheduler *t_onecycle3(ct_optim *o) {
  return ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.5, 0.2), .epochs = 3, .steps_per_epoch = 4, .three_phase = true,
                            .anneal_strategy = CT_ANNEAL_LINEAR, .pct_start = 0.25, .div_factor = 10.0,
                            .final_div_factor = 100.0);
}
static ct_lr_scheduler *t_plateau(ct_optim *o) {
  return ct_lr_reduce_lr_on_plateau(o, .factor = 0.5, .patience = 1, .cooldown = 1, .min_lr = CT_LR_GROUPS(0.01, 0.0));
}
static ct_lr_scheduler *t_lambda(ct_optim *o) { return ct_lr_lambda_lr(o, .lr_lambda = table5); }
static const double TB[] = {1.0, 0.9, 0.81};
static ct_lr_scheduler *t_lambda_groups(ct_optim *o) {
  static const ct_lr_lambda fns[] = {table_a, table_b};
  static void *const users[] = {NULL, (void *)TB};
  return ct_lr_lambda_lr(o, .n_lambdas = 2, .lr_lambdas = fns, .users = users);
}
static ct_lr_scheduler *t_multiplicative(ct_optim *o) { return ct_lr_multiplicative_lr(o, .lr_lambda = mult_table); }
static ct_lr_scheduler *t_sequential(ct_optim *o) {
  ct_lr_scheduler *subs[2] = {ct_lr_linear_lr(o, .start_factor = 0.1, .total_iters = 3), ct_lr_exponential_lr(o, 0.9)};
  return ct_lr_sequential_lr(o, subs, 2, (const int64_t[]){3}, 1);
}
static ct_lr_scheduler *t_chained(ct_optim *o) {
  ct_lr_scheduler *subs[2] = {ct_lr_constant_lr(o, .factor = 0.1, .total_iters = 2), ct_lr_exponential_lr(o, 0.9)};
  return ct_lr_chained_scheduler(subs, 2);
}

static void test_typed(void **state) {
  (void)state;
  static const struct {
    const char *label;
    typed_fn fn;
  } T[] = {{"step", t_step},
           {"multistep", t_multistep},
           {"constant", t_constant},
           {"linear", t_linear},
           {"exponential", t_exponential},
           {"polynomial", t_polynomial},
           {"cosine", t_cosine},
           {"warm", t_warm},
           {"cyclic_tri2", t_cyclic},
           {"cyclic_exp", t_cyclic_exp},
           {"cyclic_table", t_cyclic_table},
           {"onecycle", t_onecycle},
           {"onecycle3", t_onecycle3},
           {"plateau", t_plateau},
           {"lambda", t_lambda},
           {"lambda_groups", t_lambda_groups},
           {"multiplicative", t_multiplicative},
           {"sequential", t_sequential},
           {"chained", t_chained}};
  for (size_t k = 0; k < sizeof(T) / sizeof(T[0]); k++) {
    const sched_case *c = find_case(T[k].label);
    ct_optim *o = make_optim(c->optim);
    ct_lr_scheduler *s = T[k].fn(o);
    if (!s) fail_msg("%s: %s", c->label, ct_last_error());
    expect_steps(s, o, c, 0, c->steps);
    ct_lr_scheduler_free(s);
    ct_optim_free(o);
    ct_release(P[0]);
    ct_release(P[1]);
  }
}

/* ---- seed 004's snippets ------------------------------------------------------------------- */
static ct_tensor *SP[2];
/* optimizer = torch.optim.Adam([{'params': features, 'lr': 0.001}, {'params': classifier, 'lr': 0.01}]) */
static ct_optim *seed_optim(void) {
  SP[0] = ct_zeros(CT_SHAPE(3), .requires_grad = true);
  SP[1] = ct_zeros(CT_SHAPE(2), .requires_grad = true);
  ct_optim *o = ct_optim_create("Adam", SP, 1, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.001))));
  assert_non_null(o);
  assert_int_equal(ct_optim_add_param_group(o, SP + 1, 1, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.01)))), 0);
  return o;
}

/* def lr_lambda(step): return float(step) / float(max(1, warmup_steps)) if step < warmup_steps else 1.0 */
static double warmup(int step, void *user) {
  int warmup_steps = *(const int *)user;
  if (step < warmup_steps) return (double)step / (double)(warmup_steps > 1 ? warmup_steps : 1);
  return 1.0;
}

static void seed_run(const char *what, ct_optim *o, ct_lr_scheduler *s, int n, const double *want, bool plateau) {
  if (!s) fail_msg("%s: %s", what, ct_last_error());
  for (int e = 0; e < n; e++) {
    /* ... train one epoch: optimizer.step() ... then the scheduler */
    int rc = plateau ? ct_lr_scheduler_step_metric(s, fmax(1.0 - 0.05 * e, 0.3)) : ct_lr_scheduler_step(s);
    assert_int_equal(rc, 0);
    for (int g = 0; g < 2; g++)
      if (ct_optim_get(o, g, "lr") != want[2 * e + g])
        fail_msg("%s epoch %d group %d: %.17g, PyTorch %.17g", what, e, g, ct_optim_get(o, g, "lr"), want[2 * e + g]);
  }
  ct_lr_scheduler_free(s);
  ct_optim_free(o);
  ct_release(SP[0]);
  ct_release(SP[1]);
}

static void test_seed_004(void **state) {
  (void)state;
  static int five = 5;
  ct_optim *o = seed_optim(); /* StepLR(optimizer, step_size=30, gamma=0.1) */
  seed_run("StepLR", o, ct_lr_step_lr(o, 30, .gamma = 0.1), 100, SEED_STEP, false);
  o = seed_optim(); /* MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1) */
  seed_run("MultiStepLR", o, ct_lr_multi_step_lr(o, 2, ((const int64_t[]){30, 80}), .gamma = 0.1), 100,
           SEED_MULTISTEP, false);
  o = seed_optim(); /* CosineAnnealingLR(optimizer, T_max=100) */
  seed_run("CosineAnnealingLR", o, ct_lr_cosine_annealing_lr(o, 100), 100, SEED_COSINE, false);
  o = seed_optim(); /* ReduceLROnPlateau(optimizer, mode='min', factor=0.5) */
  seed_run("ReduceLROnPlateau", o, ct_lr_reduce_lr_on_plateau(o, .mode = CT_PLATEAU_MIN, .factor = 0.5), 60,
           SEED_PLATEAU, true);
  o = seed_optim(); /* warmup_scheduler(optimizer, 5) */
  seed_run("warmup LambdaLR", o, ct_lr_lambda_lr(o, .lr_lambda = warmup, .user = &five), 8, SEED_WARMUP, false);
  o = seed_optim(); /* SequentialLR(optimizer, [warmup_scheduler(optimizer, 5), CosineAnnealingLR(T_max=20)], [5]) */
  ct_lr_scheduler *subs[2] = {ct_lr_lambda_lr(o, .lr_lambda = warmup, .user = &five),
                              ct_lr_cosine_annealing_lr(o, 20)};
  seed_run("SequentialLR", o, ct_lr_sequential_lr(o, subs, 2, (const int64_t[]){5}, 1), 25, SEED_SEQUENTIAL, false);
}

/* Resuming with last_epoch: CosineAnnealingLR's closed form on the first step, then the
 * recursion (PyTorch: initial_lr 0.1 in both groups, T_max=10, last_epoch=3). */
static void test_resume_last_epoch(void **state) {
  (void)state;
  ct_optim *o = make_optim("SGD");
  expect_error(ct_lr_cosine_annealing_lr(o, 10, .last_epoch = 3),
               "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer");
  for (int g = 0; g < 2; g++) ct_optim_set(o, g, "initial_lr", 0.1);
  ct_lr_scheduler *s = ct_lr_cosine_annealing_lr(o, 10, .last_epoch = 3);
  assert_non_null(s);
  assert_int_equal(ct_lr_scheduler_last_epoch(s), 4);
  /* torch: 0.06545084971874737 (both groups), 0.05, 0.03454915028125263 */
  assert_true(ct_optim_get(o, 0, "lr") == 0.06545084971874737);
  assert_true(ct_optim_get(o, 1, "lr") == 0.06545084971874737);
  assert_int_equal(ct_lr_scheduler_step(s), 0);
  assert_true(ct_optim_get(o, 0, "lr") == 0.05);
  assert_int_equal(ct_lr_scheduler_step(s), 0);
  assert_true(ct_optim_get(o, 0, "lr") == 0.03454915028125263);
  ct_lr_scheduler_free(s);
  ct_optim_free(o);
  ct_release(P[0]);
  ct_release(P[1]);
}

/* PyTorch's resume: a fresh optimizer and scheduler built as before, then both state dicts
 * loaded (the optimizer's carries the groups' lr, momentum, "initial_lr", OneCycleLR's keys):
 * the next steps equal an uninterrupted run's, parameters included. */
static void test_resume_with_optimizer(void **state) {
  (void)state;
  static const char *const LABELS[] = {"onecycle", "onecycle3", "cyclic_exp", "plateau", "sequential_warm"};
  for (size_t k = 0; k < sizeof(LABELS) / sizeof(LABELS[0]); k++) {
    const sched_case *c = find_case(LABELS[k]);
    int half = c->steps / 2;
    ct_optim *o = make_optim(c->optim);
    ct_tensor *P0 = P[0], *P1 = P[1];
    ct_lr_scheduler *s = ct_lr_scheduler_create(c->name, o, &c->kwargs);
    assert_non_null(s);
    for (int i = 0; i < half; i++) {
      ct_scope_begin();
      ct_set_grad(P0, ct_ones_like(P0));
      ct_set_grad(P1, ct_full_like(P1, -0.5));
      ct_scope_end();
      assert_int_equal(ct_optim_step(o), 0);
      assert_int_equal(step_case(s, c, i), 0);
    }
    ct_tensor_map *osd = ct_optim_state_dict(o), *ssd = ct_lr_scheduler_state_dict(s);
    assert_non_null(osd);
    assert_non_null(ssd);
    ct_optim *o2 = make_optim(c->optim);
    ct_lr_scheduler *s2 = ct_lr_scheduler_create(c->name, o2, &c->kwargs);
    assert_non_null(s2);
    if (ct_optim_load_state_dict(o2, osd) != 0) fail_msg("%s: %s", c->label, ct_last_error());
    assert_int_equal(ct_lr_scheduler_load_state_dict(s2, ssd), 0);
    CT_NO_GRAD { /* the model's weights are restored too */
      assert_non_null(ct_copy_(P[0], P0));
      assert_non_null(ct_copy_(P[1], P1));
    }
    for (int i = half; i < c->steps; i++) {
      ct_tensor *const ps[2][2] = {{P0, P1}, {P[0], P[1]}};
      ct_scope_begin();
      for (int r = 0; r < 2; r++) {
        ct_set_grad(ps[r][0], ct_ones_like(ps[r][0]));
        ct_set_grad(ps[r][1], ct_full_like(ps[r][1], -0.5));
      }
      ct_scope_end();
      assert_int_equal(ct_optim_step(o), 0);
      assert_int_equal(ct_optim_step(o2), 0);
      assert_int_equal(step_case(s, c, i), 0);
      assert_int_equal(step_case(s2, c, i), 0);
      for (int g = 0; g < 2; g++) {
        if (ct_optim_get(o2, g, "lr") != c->lrs[2 * i + g] || mom_of(o2, g) != c->moms[2 * i + g])
          fail_msg("%s step %d group %d: lr %.17g momentum %.17g", c->label, i, g, ct_optim_get(o2, g, "lr"),
                   mom_of(o2, g));
        assert_true(ct_equal(ps_at(P0, P1, g), ps_at(P[0], P[1], g)));
      }
    }
    ct_tensor_map_free(osd);
    ct_tensor_map_free(ssd);
    ct_lr_scheduler_free(s);
    ct_lr_scheduler_free(s2);
    ct_optim_free(o);
    ct_optim_free(o2);
    ct_release(P0);
    ct_release(P1);
    ct_release(P[0]);
    ct_release(P[1]);
  }
}

/* ---- PyTorch's errors, nothing changed -------------------------------------------------------- */
/* The groups' lr and momentum are as make_optim left them. */
static void expect_untouched(const ct_optim *o) {
  assert_true(ct_optim_get(o, 0, "lr") == 0.1 && ct_optim_get(o, 1, "lr") == 0.05);
  assert_false(ct_optim_has(o, 0, "initial_lr"));
  if (!ct_optim_has(o, 0, "betas")) assert_true(ct_optim_get(o, 0, "momentum") == 0.9);
}

#define KW(k, v) ct_v_kw(k, v)
static void test_errors(void **state) {
  (void)state;
  ct_optim *o = make_optim("SGD");
  ct_tensor *P0 = P[0], *P1 = P[1];
  ct_optim *adam = make_optim("Adam");
  expect_error(ct_lr_cyclic_lr(adam, CT_LR_GROUPS(0.01), CT_LR_GROUPS(0.1)),
               "optimizer must support momentum with `cycle_momentum` option enabled");
  expect_error(ct_lr_constant_lr(o, .factor = 2), "Constant multiplicative factor expected to be between 0 and 1.");
  expect_error(ct_lr_linear_lr(o, .start_factor = 1.5), "Starting multiplicative factor expected to be between 0 and 1.");
  expect_error(ct_lr_linear_lr(o, .end_factor = -0.1), "Ending multiplicative factor expected to be between 0 and 1.");
  expect_error(ct_lr_cosine_annealing_warm_restarts(o, 0), "Expected positive integer T_0, but got 0");
  expect_error(ct_lr_scheduler_create("CosineAnnealingWarmRestarts", o, &CT_VALUES(KW("T_0", ct_v_float(2.0)))),
               "Expected positive integer T_0, but got 2.0");
  expect_error(ct_lr_cosine_annealing_warm_restarts(o, 2, .T_mult = 0), "Expected integer T_mult >= 1, but got 0");
  expect_error(ct_lr_cyclic_lr(o, CT_LR_GROUPS(0.01), CT_LR_GROUPS(0.1, 0.2, 0.3)), "expected 2 values for max_lr, got 3");
  expect_error(ct_lr_scheduler_create("CyclicLR", o,
                                      &CT_VALUES(ct_v_float(0.01), ct_v_float(0.1), KW("mode", ct_v_str("foo")))),
               "mode is invalid and scale_fn is None");
  expect_error(ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.1)), "You must define either total_steps OR (epochs AND steps_per_epoch)");
  expect_error(ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.1), .total_steps = -1), "Expected positive integer total_steps, but got -1");
  expect_error(ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.1), .epochs = -2, .steps_per_epoch = 3),
               "Expected positive integer epochs, but got -2");
  expect_error(ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.1), .total_steps = 5, .pct_start = 1.5),
               "Expected float between 0 and 1 pct_start, but got 1.5");
  expect_error(ct_lr_scheduler_create("OneCycleLR", o,
                                      &CT_VALUES(ct_v_float(0.1), KW("total_steps", ct_v_int(5)),
                                                 KW("anneal_strategy", ct_v_str("foo")))),
               "anneal_strategy must by one of 'cos' or 'linear', instead got foo");
  expect_error(ct_lr_scheduler_create("OneCycleLR", o,
                                      &CT_VALUES(ct_v_tuple(1), ct_v_float(0.1), KW("total_steps", ct_v_int(5)))),
               "expected 2 values for max_lr, got 1");
  expect_error(ct_lr_reduce_lr_on_plateau(o, .factor = 1.0), "Factor should be < 1.0.");
  expect_error(ct_lr_scheduler_create("ReduceLROnPlateau", o, &CT_VALUES(KW("min_lr", ct_v_tuple(1)), ct_v_float(0.1))),
               "expected 2 min_lrs, got 1");
  expect_error(ct_lr_scheduler_create("ReduceLROnPlateau", o, &CT_VALUES(KW("mode", ct_v_str("foo")))),
               "mode foo is unknown!");
  expect_error(ct_lr_scheduler_create("ReduceLROnPlateau", o, &CT_VALUES(KW("threshold_mode", ct_v_str("foo")))),
               "threshold mode foo is unknown!");
  static const ct_lr_lambda one[] = {table5};
  expect_error(ct_lr_lambda_lr(o, .n_lambdas = 1, .lr_lambdas = one),
               "Expected 2 lr_lambdas, but got 1");
  expect_error(ct_lr_lambda_lr(o), "LambdaLR.__init__() missing 1 required positional argument: 'lr_lambda'");
  expect_error(ct_lr_scheduler_create("StepLR", o, &CT_VALUES(KW("step_size", ct_v_int(2)), KW("foo", ct_v_int(1)))),
               "StepLR.__init__() got an unexpected keyword argument 'foo'");
  expect_error(ct_lr_scheduler_create("StepLR", o, NULL),
               "StepLR.__init__() missing 1 required positional argument: 'step_size'");
  expect_error(ct_lr_scheduler_create("StepLR", o,
                                      &CT_VALUES(ct_v_int(2), ct_v_float(0.1), ct_v_int(-1), ct_v_bool(false), ct_v_int(7))),
               "StepLR.__init__() takes from 3 to 6 positional arguments but 7 were given");
  expect_error(ct_lr_scheduler_create("StepLR", o, &CT_VALUES(ct_v_int(2), KW("step_size", ct_v_int(3)))),
               "StepLR.__init__() got multiple values for argument 'step_size'");
  expect_error(ct_lr_scheduler_create("FooLR", o, NULL), "module 'torch.optim.lr_scheduler' has no attribute 'FooLR'");
  expect_error(ct_lr_step_lr(NULL, 2), "NoneType is not an Optimizer");
  expect_error(ct_lr_step_lr(o, 2, .last_epoch = 3),
               "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer");
  expect_untouched(o);
  expect_untouched(adam);

  /* composites: another optimizer, the milestone count, a scheduler needing a metric */
  ct_lr_scheduler *a = ct_lr_step_lr(o, 2), *b = ct_lr_step_lr(adam, 2), *c = ct_lr_exponential_lr(o, 0.5);
  ct_lr_scheduler *pl = ct_lr_reduce_lr_on_plateau(o);
  expect_error(ct_lr_sequential_lr(o, ((ct_lr_scheduler *[]){a, b}), 2, (const int64_t[]){2}, 1),
               "Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at "
               "index 1 to be different than the optimizer passed in.");
  expect_error(ct_lr_sequential_lr(o, ((ct_lr_scheduler *[]){a, c}), 2, (const int64_t[]){2, 3}, 2),
               "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
               "milestone points, but got number of schedulers 2 and the number of milestones to be equal to 2");
  expect_error(ct_lr_chained_scheduler(((ct_lr_scheduler *[]){a, b}), 2),
               "ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index "
               "0 and 1 to be different");
  expect_error(ct_lr_chained_scheduler(((ct_lr_scheduler *[]){a, pl}), 2), "whose step() needs a metric");
  expect_error(ct_lr_chained_scheduler(((ct_lr_scheduler *[]){a, a}), 2), "is given twice");

  /* ReduceLROnPlateau: step() wants a metric; no _last_lr before the first step */
  expect_fail(ct_lr_scheduler_step(pl), "step() missing 1 required positional argument: 'metrics'");
  expect_fail(ct_lr_scheduler_get_last_lr(pl, NULL, 0), "'ReduceLROnPlateau' object has no attribute '_last_lr'");
  expect_fail(ct_lr_scheduler_step_metric(a, 1.0), "takes no metric");
  expect_fail(ct_lr_scheduler_step_epoch(a, 2.5), "epoch must be an integer");
  double lrs[1];
  expect_fail(ct_lr_scheduler_get_last_lr(a, lrs, 1), "2 groups do not fit in 1");

  /* CosineAnnealingWarmRestarts.step(-1) */
  ct_lr_scheduler *w = ct_lr_cosine_annealing_warm_restarts(o, 2);
  expect_fail(ct_lr_scheduler_step_epoch(w, -1), "Expected non-negative epoch, but got -1");
  assert_int_equal(ct_lr_scheduler_last_epoch(w), 0);

  /* loading another scheduler's state, or a broken one: nothing changed */
  ct_tensor_map *sd = ct_lr_scheduler_state_dict(c);
  expect_fail(ct_lr_scheduler_load_state_dict(a, sd), "scheduler state is for ExponentialLR, not StepLR");
  ct_tensor_map_free(sd);
  assert_int_equal(ct_lr_scheduler_step(a), 0);
  sd = ct_lr_scheduler_state_dict(a);
  ct_tensor_map_set_meta(sd, "step_size", "two");
  assert_int_equal(ct_lr_scheduler_step(a), 0);
  expect_fail(ct_lr_scheduler_load_state_dict(a, sd), "\"step_size\" is not an int: 'two'");
  assert_int_equal(ct_lr_scheduler_last_epoch(a), 2);
  ct_tensor_map_free(sd);
  ct_lr_scheduler_free(a);
  ct_lr_scheduler_free(b);
  ct_lr_scheduler_free(c);
  ct_lr_scheduler_free(pl);
  ct_lr_scheduler_free(w);
  ct_optim_free(o);
  ct_optim_free(adam);
  ct_release(P[0]);
  ct_release(P[1]);
  ct_release(P0);
  ct_release(P1);
}

/* OneCycleLR past total_steps: PyTorch's message; the scheduler and the groups stay as they
 * were (PyTorch leaves last_epoch advanced: ctorch does not). */
static void test_one_cycle_past_end(void **state) {
  (void)state;
  ct_optim *o = make_optim("SGD");
  ct_lr_scheduler *s = ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.1), .total_steps = 3);
  assert_non_null(s);
  for (int i = 0; i < 3; i++) assert_int_equal(ct_lr_scheduler_step(s), 0);
  double lr = ct_optim_get(o, 0, "lr"), m = ct_optim_get(o, 0, "momentum");
  expect_fail(ct_lr_scheduler_step(s), "Tried to step 5 times. The specified number of total steps is 3");
  assert_int_equal(ct_lr_scheduler_last_epoch(s), 3);
  assert_true(ct_optim_get(o, 0, "lr") == lr && ct_optim_get(o, 0, "momentum") == m);
  /* the groups carry PyTorch's keys */
  assert_true(ct_optim_get(o, 0, "max_lr") == 0.1 && ct_optim_get(o, 0, "initial_lr") == 0.1 / 25.0);
  assert_true(ct_optim_get(o, 0, "min_lr") == 0.1 / 25.0 / 1e4 && ct_optim_get(o, 1, "base_momentum") == 0.85);
  ct_lr_scheduler_free(s);
  ct_optim_free(o);
  ct_release(P[0]);
  ct_release(P[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sequences),   cmocka_unit_test(test_state_resume), cmocka_unit_test(test_step_epoch),
      cmocka_unit_test(test_typed),       cmocka_unit_test(test_seed_004),     cmocka_unit_test(test_resume_last_epoch),
      cmocka_unit_test(test_resume_with_optimizer), cmocka_unit_test(test_errors), cmocka_unit_test(test_one_cycle_past_end),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
