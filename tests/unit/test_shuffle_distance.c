/* Pixel and channel shuffles, distances, normalize, pdist and gumbel_softmax
 * (src/ops/shuffle.c, distance.c, activation_param.c): values and gradients against PyTorch 1.13
 * (tools/nn/gen_distance_values.py), gumbel's draws for a seed, grad_fn names, PyTorch's
 * messages, and gradcheck + gradgradcheck in float64. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

static const double PS[] = {0.0, 6.0, 1.0, 7.0, 2.0, 8.0, 12.0, 18.0, 13.0, 19.0, 14.0, 20.0, 3.0, 9.0, 4.0, 10.0, 5.0, 11.0, 15.0, 21.0, 16.0, 22.0, 17.0, 23.0, 24.0, 30.0, 25.0, 31.0, 26.0, 32.0, 36.0, 42.0, 37.0, 43.0, 38.0, 44.0, 27.0, 33.0, 28.0, 34.0, 29.0, 35.0, 39.0, 45.0, 40.0, 46.0, 41.0, 47.0, 48.0, 54.0, 49.0, 55.0, 50.0, 56.0, 60.0, 66.0, 61.0, 67.0, 62.0, 68.0, 51.0, 57.0, 52.0, 58.0, 53.0, 59.0, 63.0, 69.0, 64.0, 70.0, 65.0, 71.0, 72.0, 78.0, 73.0, 79.0, 74.0, 80.0, 84.0, 90.0, 85.0, 91.0, 86.0, 92.0, 75.0, 81.0, 76.0, 82.0, 77.0, 83.0, 87.0, 93.0, 88.0, 94.0, 89.0, 95.0};
static const double PU[] = {0.0, 2.0, 4.0, 12.0, 14.0, 16.0, 1.0, 3.0, 5.0, 13.0, 15.0, 17.0, 6.0, 8.0, 10.0, 18.0, 20.0, 22.0, 7.0, 9.0, 11.0, 19.0, 21.0, 23.0, 24.0, 26.0, 28.0, 36.0, 38.0, 40.0, 25.0, 27.0, 29.0, 37.0, 39.0, 41.0, 30.0, 32.0, 34.0, 42.0, 44.0, 46.0, 31.0, 33.0, 35.0, 43.0, 45.0, 47.0, 48.0, 50.0, 52.0, 60.0, 62.0, 64.0, 49.0, 51.0, 53.0, 61.0, 63.0, 65.0, 54.0, 56.0, 58.0, 66.0, 68.0, 70.0, 55.0, 57.0, 59.0, 67.0, 69.0, 71.0, 72.0, 74.0, 76.0, 84.0, 86.0, 88.0, 73.0, 75.0, 77.0, 85.0, 87.0, 89.0, 78.0, 80.0, 82.0, 90.0, 92.0, 94.0, 79.0, 81.0, 83.0, 91.0, 93.0, 95.0};
static const double CS[] = {0.0, 1.0, 6.0, 7.0, 2.0, 3.0, 8.0, 9.0, 4.0, 5.0, 10.0, 11.0, 12.0, 13.0, 18.0, 19.0, 14.0, 15.0, 20.0, 21.0, 16.0, 17.0, 22.0, 23.0};
static const double PD[] = {4.138236339312195, 4.7565750283164885, 3.3166241873332587};
static const double PD_G0[] = {0.12082417701718395, 0.4228852236822372, -0.8457711723109864, 0.3020608050162159, 0.0, 0.0, -0.0, 0.0, -0.7537781969835211, 0.45226740060835174, 0.15075600121038352, -0.452266797585553};
static const double PD_G1[] = {-0.12082417701718395, -0.4228852236822372, 0.8457711723109864, -0.3020608050162159, -0.0, -0.0, 0.0, -0.0, 0.7537781969835211, -0.45226740060835174, -0.15075600121038352, 0.452266797585553};
static const double PD_P1_KEEP[] = {6.998000000000001, 7.502000000000001, 6.0};
static const double PD_P1_KEEP_G0[] = {1.0, 1.0, -1.0, 1.0, 0.0, 0.0, -0.0, 0.0, -1.0, 1.0, 1.0, -1.0};
static const double PD_P1_KEEP_G1[] = {-1.0, -1.0, 1.0, -1.0, -0.0, -0.0, 0.0, -0.0, 1.0, -1.0, -1.0, 1.0};
static const double PD_INF[] = {3.500001, 4.000001, 2.499999};
static const double PD_INF_G0[] = {0.0, 0.0, -1.0, 0.0, 0.0, 0.0, -0.0, 0.0, -1.0, 0.0, 0.0, -0.0};
static const double PD_INF_G1[] = {-0.0, -0.0, 1.0, -0.0, -0.0, -0.0, 0.0, -0.0, 1.0, -0.0, -0.0, 0.0};
static const double PD_BCAST[] = {3.691691170974755, 1.2887855008749882, 3.596385146202288};
static const double PD_BCAST_G0[] = {0.018343725618899773, 0.22471128086366157, -0.8988466643335414, 0.11464856027472328, 0.0, -0.0, 0.0, 0.0, -0.6958407034476662, 0.019328998630809814, 0.3092630503035742, -0.3914103087092001};
static const double PD_BCAST_G1[] = {0.6774969778287665, -0.24404027949447138, 0.5895836140299673, 0.2767617484344769};
static const double COS[] = {-0.23500799597021088, -0.49401419025107274, -0.5475598112357868};
static const double COS_G0[] = {-0.16305230489637554, -0.026230153396373447, 0.14320245908290374, -0.31688860995078205, 0.0, 0.0, 0.0, 0.0, -0.055089181820071026, -0.0479809002949006, 0.05153504105748581, 0.3518599354959376};
static const double COS_G1[] = {-0.10364455206891351, 0.16510818178419942, -0.24223901123083275, -0.17113402783471765, 0.0, 0.0, 0.0, 0.0, -0.471462157218692, 0.1693601923989476, 0.1510509824098722, 0.25632893984705585};
static const double COS_D0[] = {-0.04279604925109132, -0.8743856497851874, -0.7925304884756161, -0.22805677991903187};
static const double COS_D0_G0[] = {-0.34566039779727586, 0.0016328396821385094, 0.015149925705627093, 0.26941951877582, -0.09546810986781903, -0.09633754124617379, 0.08995268387716072, -0.054741797598119604, -0.15801618185018326, 0.026125434914216636, 0.02935298105465246, 0.15135698515002471};
static const double COS_D0_G1[] = {-0.20379071071948238, 0.08381910368311163, 0.0617582265529386, 0.1638713413671073, -0.5217042194418748, -0.1981178814328094, 0.052935622759661675, 0.34272178157947114, 0.6684335311599021, -0.015239837033293013, 0.03408733283766092, 0.011983279076205292};
static const double COS_BCAST[] = {0.4959596781405067, -0.49401419025107274, 0.1855159144696489};
static const double COS_BCAST_G0[] = {-0.009487511776958522, -0.1456333057763133, -0.18310897729529943, 0.25189343767824873, 0.0, 0.0, 0.0, 0.0, 0.12284583243872552, 0.018083904267629645, 0.35357150757744854, -0.2032880272843884};
static const double COS_BCAST_G1[] = {-0.5022750400155518, 0.47248369431780657, -0.15134369423689267, -0.27229930133899843};
static const double NRM[] = {0.19802950859533489, -0.4950737714883372, 0.7921180343813395, 0.2970442628930023, 0.44112877325628463, 0.07352146220938077, -0.14704292441876154, 0.8822575465125693, -0.8677218312746247, 0.4338609156373123, 0.21693045781865616, -0.10846522890932808};
static const double NRM_G0[] = {-0.3621716146502916, -0.40876679314331155, -0.11648794623254988, -0.12919572218519176, -0.0932114852580847, -0.028902786126537888, 0.031070495086028244, 0.054192723987258565, 0.17864861232124626, 0.28537375734432846, 0.35961733649082034, 0.43154080378898446};
static const double NRM_P1_D0[] = {0.125, -0.5, 0.6666666666666666, 0.1875, 0.375, 0.1, -0.16666666666666666, 0.75, -0.5, 0.4, 0.16666666666666666, -0.0625};
static const double NRM_P1_D0_G0[] = {-0.13636363636363635, -0.06545454545454543, -0.1111111111111111, -0.1278409090909091, 0.045454545454545456, -0.2981818181818182, -0.0707070707070707, 0.05397727272727273, 0.0, -0.0072727272727273196, 0.3737373737373737, 0.26420454545454547};
static const double NRM_INF[] = {0.25, -0.625, 1.0, 0.375, 0.5, 0.08333333333333333, -0.16666666666666666, 1.0, -1.0, 0.5, 0.25, -0.125};
static const double NRM_INF_G0[] = {-0.5, -0.40909090909090906, -0.04545454545454547, -0.2272727272727273, -0.0909090909090909, -0.030303030303030293, 0.030303030303030314, 0.053030303030303025, 0.19886363636363635, 0.3181818181818182, 0.40909090909090906, 0.5};
static const double PDIST[] = {3.816084380618437, 3.816084380618437, 4.937104414532874};
static const double PDIST_G0[] = {0.26204871283216735, 0.39307306924825103, -0.6551217820804184, 0.5896096038723766, 0.4468688441263994, -0.544983974310801, 0.4525739086636851, 0.06867098473200672, -0.7089175569585667, 0.15191090506255, 0.20254787341673333, -0.6582805886043833};
static const double PDIST_P0[] = {4.0, 4.0, 4.0};
static const double PDIST_P0_G0[] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
static const double PDIST_P1[] = {7.25, 7.25, 8.5};
static const double PDIST_P1_G0[] = {1.0, 1.0, -1.0, 1.0, 0.0, -2.0, 0.0, 0.0, -1.0, 1.0, 1.0, -1.0};
static const double PDIST_P05[] = {28.15240185358631, 28.15240185358631, 30.687497599825953};
static const double PDIST_P05_G0[] = {5.3058837014757785, 4.332235901055121, -3.3557354993256734, 3.5372558009838526, -2.3448270561052222, -10.728849338369791, -2.18389423557773, -0.46442210001782014, -2.9610566453705562, 6.39661343731467, 5.539629734903404, -3.0728337009660325};
static const double PDIST_P15[] = {4.692495961015024, 4.692495961015024, 5.824387149363351};
static const double PDIST_P15_G0[] = {0.46163427480247154, 0.5653842105229024, -0.7299078771879431, 0.6924514122037073, 0.3135570514555378, -0.9242280660324058, 0.31555068403703324, 0.05454164092776348, -0.7751913262580093, 0.3588438555095033, 0.4143571931509099, -0.7469930531314708};
static const double PDIST_P3[] = {3.1545202592830446, 3.1545202592830446, 4.284040351563168};
static const double PDIST_P3_G0[] = {0.1004924323514758, 0.22610797279082054, -0.6280777021967238, 0.5087429387793463, 0.566973313996999, -0.25675691012314844, 0.5735907024948075, 0.06677599557214475, -0.6674657463484748, 0.030648937332327923, 0.054486999701916304, -0.575518934351491};
static const double PDIST_INF[] = {2.5, 2.5, 3.5};
static const double PDIST_INF_G0[] = {0.0, 0.0, -1.0, 0.0, 1.0, 0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0};
static const double GUMBEL[] = {0.7382775826302111, 0.0131757861499954, 0.07745683277300115, 0.17108979844679234, 0.07464014453462595, 0.03212981516626935, 0.06419622402732211, 0.8290338162717825, 0.023892924201440967, 0.16519105971010273, 0.731857064379009, 0.0790589517094474};
static const double GUMBEL_HARD_T[] = {1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0};
static const double GUMBEL_F32[] = {0.5157579779624939, 0.06890082359313965, 0.16705749928951263, 0.24828368425369263, 0.16902664303779602, 0.11089781671762466, 0.15675579011440277, 0.5633198022842407, 0.09105025231838226, 0.23940859735012054, 0.5039176940917969, 0.1656235158443451};


static const double XV[12] = {0.5, -1.25, 2.0, 0.75, 1.5, 0.25, -0.5, 3.0, -2.0, 1.0, 0.5, -0.25};
static const double YV[12] = {1.0, 0.5, -1.5, 2.0, 0.25, 0.25, 1.75, -1.0, 0.5, -0.5, 0.0, 1.25};
#define N(a) ((int64_t)(sizeof a / sizeof a[0]))

static ct_tensor *mat(const double *v, int64_t r, int64_t c, bool rg) {
  ct_tensor *t = ct_tensor_from(v, CT_FLOAT64, 2, (int64_t[]){r, c});
  return ct_requires_grad_(t, rg);
}
static ct_tensor *arange_shaped(int nd, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++) n *= shape[i];
  return ct_reshape(ct_arange(0, (double)n, 1, .dtype = CT_FLOAT64), nd, shape);
}
/* backward with grad_output linspace(-1, 1) in y's shape */
static void backward_ramp(ct_tensor *y) {
  ct_tensor *g = ct_reshape(ct_linspace(-1, 1, ct_numel(y), .dtype = CT_FLOAT64), ct_dim(y), ct_shape(y));
  assert_int_equal(ct_backward(y, .gradient = g), 0);
}

static void test_shuffles(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_detach(arange_shaped(4, (int64_t[]){2, 8, 2, 3}));
  ct_requires_grad_(x, true);
  ct_tensor *ps = ct_pixel_shuffle(x, 2);
  int64_t want_ps[] = {2, 2, 4, 6};
  assert_memory_equal(ct_shape(ps), want_ps, sizeof want_ps);
  expect_vals(ps, PS, N(PS), 0, 0);
  assert_string_equal(ct_grad_fn_name(ps), "PixelShuffleBackward0");
  ct_tensor *u = ct_pixel_unshuffle(arange_shaped(4, (int64_t[]){2, 2, 4, 6}), 2);
  int64_t want_pu[] = {2, 8, 2, 3};
  assert_memory_equal(ct_shape(u), want_pu, sizeof want_pu);
  expect_vals(u, PU, N(PU), 0, 0);
  /* the round trip is the identity, and so is the gradient of a sum */
  assert_true(ct_test_same(ct_pixel_unshuffle(ps, 2), ct_detach(x)));
  assert_int_equal(ct_backward(ct_sum(ps)), 0);
  assert_true(ct_test_same(ct_grad(x), ct_ones_like(x)));
  expect_vals(ct_channel_shuffle(arange_shaped(3, (int64_t[]){2, 6, 2}), 2), CS, N(CS), 0, 0);
  /* leading batch dims fold; factor 1 is a copy */
  ct_tensor *b5 = arange_shaped(5, (int64_t[]){2, 3, 4, 1, 1});
  ct_tensor *p5 = ct_pixel_shuffle(b5, 2);
  int64_t want5[] = {2, 3, 1, 2, 2};
  assert_memory_equal(ct_shape(p5), want5, sizeof want5);
  assert_true(ct_test_same(ct_pixel_unshuffle(p5, 2), b5));
  assert_true(ct_test_same(ct_pixel_shuffle(b5, 1), b5));
  ct_scope_end();
}

typedef struct {
  const char *name;
  ct_tensor *(*f)(const ct_tensor *, const ct_tensor *);
  const double *y, *g0, *g1;
  int64_t ny, ny_cols; /* y's second operand rows (broadcast cases use 1) */
  const char *grad_fn;
} bin_case;
static ct_tensor *pd(const ct_tensor *a, const ct_tensor *b) { return ct_pairwise_distance(a, b); }
static ct_tensor *pd_p1(const ct_tensor *a, const ct_tensor *b) {
  return ct_pairwise_distance(a, b, .p = 1, .eps = 1e-3, .keepdim = true);
}
static ct_tensor *pd_inf(const ct_tensor *a, const ct_tensor *b) { return ct_pairwise_distance(a, b, .p = INFINITY); }
static ct_tensor *pd_3(const ct_tensor *a, const ct_tensor *b) { return ct_pairwise_distance(a, b, .p = 3); }
static ct_tensor *cs(const ct_tensor *a, const ct_tensor *b) { return ct_cosine_similarity(a, b); }
static ct_tensor *cs_d0(const ct_tensor *a, const ct_tensor *b) { return ct_cosine_similarity(a, b, .dim = 0, .eps = 1e-3); }
static ct_tensor *cs_last(const ct_tensor *a, const ct_tensor *b) { return ct_cosine_similarity(a, b, .dim = -1); }
#define BC(name, f, Y, rows, gf) {name, f, Y, Y##_G0, Y##_G1, N(Y), rows, gf}
static const bin_case BIN[] = {
    BC("pairwise_distance", pd, PD, 3, "NormBackward1"),
    BC("pairwise_distance p=1 keepdim", pd_p1, PD_P1_KEEP, 3, "NormBackward1"),
    BC("pairwise_distance p=inf", pd_inf, PD_INF, 3, "NormBackward1"),
    BC("pairwise_distance broadcast", pd_3, PD_BCAST, 0, "NormBackward1"),
    BC("cosine_similarity", cs, COS, 3, "SumBackward1"),
    BC("cosine_similarity dim 0", cs_d0, COS_D0, 3, "SumBackward1"),
    BC("cosine_similarity broadcast", cs_last, COS_BCAST, 1, "SumBackward1"),
};

static int run_bin(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = ((const bin_case *)u)->f(in[0], in[1]);
  return out[0] ? 0 : -1;
}

static void test_distances(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof BIN / sizeof BIN[0]; i++) {
    const bin_case *c = &BIN[i];
    ct_scope_begin();
    ct_tensor *a = mat(XV, 3, 4, true);
    ct_tensor *b = c->ny_cols == 0 ? ct_requires_grad_(ct_tensor_from(YV, CT_FLOAT64, 1, (int64_t[]){4}), true)
                                   : ct_requires_grad_(ct_tensor_from(c->ny_cols == 1 ? YV + 4 : YV, CT_FLOAT64, 2, (int64_t[]){c->ny_cols, 4}), true);
    ct_tensor *y = c->f(a, b);
    if (!y) fail_msg("%s: %s", c->name, ct_last_error());
    ct_test_expect_vals(y, c->y, c->ny, 1e-12, 1e-14, c->name, __LINE__);
    if (strcmp(ct_grad_fn_name(y), c->grad_fn)) fail_msg("%s: grad_fn %s", c->name, ct_grad_fn_name(y));
    backward_ramp(y);
    ct_test_expect_vals(ct_grad(a), c->g0, 12, 1e-12, 1e-14, c->name, __LINE__);
    ct_test_expect_vals(ct_grad(b), c->g1, ct_numel(b), 1e-12, 1e-14, c->name, __LINE__);
    ct_tensor *a2 = mat(XV, 3, 4, true), *b2 = ct_detach(b);
    ct_requires_grad_(b2, true);
    if (c->f != pd_inf) check_grads(run_bin, ((ct_tensor *[]){a2, b2}), 2, (void *)c, c->name);
    ct_scope_end();
  }
}

typedef struct {
  const char *name;
  ct_tensor *(*f)(const ct_tensor *);
  const double *y, *g;
  int64_t ny;
  const char *grad_fn;
} un_case;
static ct_tensor *nrm(const ct_tensor *a) { return ct_normalize(a); }
static ct_tensor *nrm_p1(const ct_tensor *a) { return ct_normalize(a, .p = 1, .dim = 0); }
static ct_tensor *nrm_inf(const ct_tensor *a) { return ct_normalize(a, .p = INFINITY, .dim = -1, .eps = 0.5); }
static ct_tensor *pdist2(const ct_tensor *a) { return ct_pdist(a, 2); }
static ct_tensor *pdist0(const ct_tensor *a) { return ct_pdist(a, 0); }
static ct_tensor *pdist1(const ct_tensor *a) { return ct_pdist(a, 1); }
static ct_tensor *pdist05(const ct_tensor *a) { return ct_pdist(a, 0.5); }
static ct_tensor *pdist15(const ct_tensor *a) { return ct_pdist(a, 1.5); }
static ct_tensor *pdist3(const ct_tensor *a) { return ct_pdist(a, 3); }
static ct_tensor *pdistinf(const ct_tensor *a) { return ct_pdist(a, INFINITY); }
#define UC(name, f, Y, gf) {name, f, Y, Y##_G0, N(Y), gf}
static const un_case UN[] = {
    UC("normalize", nrm, NRM, "DivBackward0"),
    UC("normalize p=1 dim 0", nrm_p1, NRM_P1_D0, "DivBackward0"),
    UC("normalize p=inf eps", nrm_inf, NRM_INF, "DivBackward0"),
    UC("pdist", pdist2, PDIST, "PdistBackward0"),
    UC("pdist p=0", pdist0, PDIST_P0, "PdistBackward0"),
    UC("pdist p=1", pdist1, PDIST_P1, "PdistBackward0"),
    UC("pdist p=0.5", pdist05, PDIST_P05, "PdistBackward0"),
    UC("pdist p=1.5", pdist15, PDIST_P15, "PdistBackward0"),
    UC("pdist p=3", pdist3, PDIST_P3, "PdistBackward0"),
    UC("pdist p=inf", pdistinf, PDIST_INF, "PdistBackward0"),
};

static int run_un(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = ((const un_case *)u)->f(in[0]);
  return out[0] ? 0 : -1;
}

/* distinct pair distances and no ties, for the finite differences of gradcheck */
static const double GV[12] = {0.3, -1.1, 2.2, 0.7, 1.9, 0.45, -0.6, 3.1, -2.3, 1.3, 0.55, -0.35};

static void test_normalize_pdist(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof UN / sizeof UN[0]; i++) {
    const un_case *c = &UN[i];
    ct_scope_begin();
    ct_tensor *a = mat(XV, 3, 4, true);
    ct_tensor *y = c->f(a);
    if (!y) fail_msg("%s: %s", c->name, ct_last_error());
    ct_test_expect_vals(y, c->y, c->ny, 1e-12, 1e-14, c->name, __LINE__);
    if (strcmp(ct_grad_fn_name(y), c->grad_fn)) fail_msg("%s: grad_fn %s", c->name, ct_grad_fn_name(y));
    backward_ramp(y);
    ct_test_expect_vals(ct_grad(a), c->g, 12, 1e-12, 1e-14, c->name, __LINE__);
    ct_tensor *g = mat(GV, 3, 4, true);
    if (c->f != nrm_inf && c->f != pdistinf) check_grads(run_un, &g, 1, (void *)c, c->name);
    ct_scope_end();
  }
  /* pdist of fewer than two rows is empty; of zero columns, all zeros */
  ct_scope_begin();
  assert_int_equal(ct_numel(ct_pdist(ct_ones(CT_SHAPE(1, 3)), 2)), 0);
  expect_exact(ct_pdist(ct_ones(CT_SHAPE(3, 0)), 2), 0, 0, 0);
  ct_scope_end();
}

static int run_ps(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = ct_pixel_shuffle(in[0], 2);
  return out[0] ? 0 : -1;
}
static int run_pu(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = ct_mul(ct_pixel_unshuffle(in[0], 2), in[0] ? ct_pixel_unshuffle(in[0], 2) : NULL);
  return out[0] ? 0 : -1;
}
static int run_cs(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = ct_channel_shuffle(in[0], 3);
  return out[0] ? 0 : -1;
}

static void test_shuffle_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_detach(ct_div_scalar(arange_shaped(4, (int64_t[]){1, 4, 2, 2}), 7));
  ct_requires_grad_(x, true);
  check_grads(run_ps, &x, 1, NULL, "pixel_shuffle");
  check_grads(run_pu, &x, 1, NULL, "pixel_unshuffle (squared, for a non-zero second derivative)");
  ct_tensor *c = ct_detach(ct_div_scalar(arange_shaped(3, (int64_t[]){2, 6, 2}), 5));
  ct_requires_grad_(c, true);
  check_grads(run_cs, &c, 1, NULL, "channel_shuffle");
  ct_scope_end();
}

static void test_gumbel(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = mat(XV, 3, 4, true);
  ct_manual_seed(3);
  ct_tensor *y = ct_gumbel_softmax(x);
  expect_vals(y, GUMBEL, 12, 1e-12, 1e-14);
  assert_string_equal(ct_grad_fn_name(y), "SoftmaxBackward0");
  ct_manual_seed(3);
  ct_tensor *h = ct_gumbel_softmax(x, .tau = 0.5, .hard = true, .dim = 0);
  expect_vals(h, GUMBEL_HARD_T, 12, 0, 1e-15);
  assert_string_equal(ct_grad_fn_name(h), "AddBackward0");
  /* straight through: the gradient is the soft sample's */
  assert_int_equal(ct_backward(ct_sum(ct_mul(h, x))), 0);
  assert_non_null(ct_grad(x));
  ct_manual_seed(3);
  /* the draws are exact; float32 log and softmax round within an ulp of PyTorch's */
  expect_vals(ct_gumbel_softmax(ct_to(x, CT_FLOAT32), .tau = 2), GUMBEL_F32, 12, 3e-7, 1e-8);
  ct_generator *g = ct_generator_new(3);
  expect_vals(ct_gumbel_softmax(x, .generator = g), GUMBEL, 12, 1e-12, 1e-14);
  ct_generator_free(g);
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x2 = ct_ones(CT_SHAPE(2, 3)), *x4 = ct_ones(CT_SHAPE(1, 1, 2, 3));
  expect_error(ct_pixel_shuffle(x2, 2), "pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 dimension(s)");
  expect_error(ct_pixel_shuffle(x4, 2), "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=1 is not divisible by 4");
  expect_error(ct_pixel_shuffle(x4, 0), "pixel_shuffle expects a positive upscale_factor, but got 0");
  expect_error(ct_pixel_shuffle(x4, -1), "pixel_shuffle expects a positive upscale_factor, but got -1");
  expect_error(ct_pixel_unshuffle(x2, 2), "pixel_unshuffle expects input to have at least 3 dimensions, but got input with 2 dimension(s)");
  expect_error(ct_pixel_unshuffle(x4, 2), "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=3 is not divisible by 2");
  expect_error(ct_pixel_unshuffle(ct_ones(CT_SHAPE(1, 1, 3, 2)), 2), "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=3 is not divisible by 2");
  expect_error(ct_pixel_unshuffle(x4, 0), "pixel_unshuffle expects a positive downscale_factor, but got 0");
  expect_error(ct_channel_shuffle(ct_ones(CT_SHAPE(1, 3, 2)), 2), "Number of channels must be divisible by groups. Got 3 channels and 2 groups.");
  expect_error(ct_channel_shuffle(x2, 2), "channel_shuffle expects input with > 2 dims, but got input with sizes [2, 3]");
  expect_error(ct_channel_shuffle(ct_ones(CT_SHAPE(1, 3, 2, 1)), 0), "Number of groups to divide channels in must be positive. Value of groups:0");
  expect_error(ct_pdist(ct_ones(CT_SHAPE(6)), 2), "pdist only supports 2D tensors, got: 1D");
  expect_error(ct_pdist(x2, -1), "pdist only supports non-negative p values");
  expect_error(ct_pdist(ct_ones(CT_SHAPE(2, 2), .dtype = CT_INT64), 2), "pdist only supports floating-point dtypes");
  expect_error(ct_pairwise_distance(x2, ct_ones(CT_SHAPE(3, 3))), "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0");
  expect_error(ct_cosine_similarity(x2, ct_ones(CT_SHAPE(3, 3))), "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0");
  expect_error(ct_cosine_similarity(ct_ones(CT_SHAPE(2), .dtype = CT_INT64), ct_ones(CT_SHAPE(2), .dtype = CT_INT64), .dim = 0), "expected common dtype to be floating point, yet common dtype is Long");
  expect_error(ct_normalize(x2, .dim = 5), "Dimension out of range (expected to be in range of [-2, 1], but got 5)");
  expect_error(ct_gumbel_softmax(x2, .dim = 2), "Dimension out of range");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shuffles),        cmocka_unit_test(test_distances),
      cmocka_unit_test(test_normalize_pdist), cmocka_unit_test(test_shuffle_grads),
      cmocka_unit_test(test_gumbel),          cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
