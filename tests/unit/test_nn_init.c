/* torch.nn.init (src/nn/init.c): each init after ct_manual_seed gives PyTorch 1.13's numbers
 * for the same seed (tools/nn/gen_init_values.py prints them with /usr/bin/python3), the fans
 * and gains, the no-grad fill of a parameter that requires grad, and PyTorch's messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

static const double E_UNIFORM[] = {1.3940789699554443, 0.19827720522880554, 0.5076731443405151, 1.3367111682891846, -0.4267961084842682, 1.499646544456482, 0.492843359708786, 1.385929822921753, 0.9237712621688843, 0.5969448089599609, 1.0967011451721191, 0.8116647005081177, 1.2065352201461792, 0.26287373900413513, 0.6588640213012695};
static const double E_UNIFORM64[] = {-0.3473668132009409, 0.061386266419126034, 0.08563128486209842, -0.05725193138061119, 0.8901701403724864, -0.22639036586198075, 0.6522822235950712, 1.2709132072282319, 0.9494406408537299, 0.7416682795416334, 0.7759379306715881, 0.32384410446663225, 1.2955153506432697, 0.4612777585711718, -0.2755080051256332};
static const double E_NORMAL[] = {-1.5816023349761963, 2.3332083225250244, -2.1083807945251465, -1.7193567752838135, 0.5598323345184326, 0.40032392740249634, 2.6301558017730713, 2.272073268890381, -1.1219723224639893, 1.847300410270691, -1.746605396270752, 0.31621217727661133, 0.7809529304504395, 2.7382030487060547, 1.1304631233215332, 4.005553245544434, -0.9791351556777954, -1.9849040508270264, 0.14950788021087646, 1.8979219198226929};
static const double E_NORMAL64[] = {1.2845936495584196, 0.05287196320372284, -0.13900052953375186, -1.9100742217523266, 2.588927088668681, -0.7664554704265665};
static const double E_XAVIER_UNIFORM[] = {-0.9736071228981018, -0.7746464014053345, -0.42059701681137085, -0.9290422797203064, -0.055748287588357925, -0.863914430141449, 0.5339339375495911, 0.47861605882644653, 0.1854395717382431, 0.7617353796958923, -0.09617256373167038, 0.5881879329681396, -0.6876988410949707, -0.19351141154766083, -0.8755791187286377, -0.07972651720046997, -0.6370986700057983, 0.8821776509284973, 0.6821202635765076, 0.7362030148506165, 0.29127588868141174, -0.5602046847343445, 0.8824175000190735, -0.9581995010375977};
static const double E_XAVIER_NORMAL[] = {-0.44378799200057983, 0.5955002307891846, -0.086629718542099, 0.07094895094633102, 0.5372200012207031, -0.10851140320301056, 0.5599024891853333, 0.3619139790534973, -0.3354809880256653, 0.20503422617912292, 0.7635917067527771, 0.1408909261226654, -0.1987108439207077, 0.40014535188674927, -0.31941235065460205, -0.44526100158691406, 1.022869348526001, -0.5532219409942627, -0.1846003234386444, 0.6758127212524414};
static const double E_KAIMING_UNIFORM[] = {0.8089485764503479, -0.9158375263214111, 0.9980928897857666, 0.7836580276489258, 1.0290390253067017, -0.9390236139297485, -0.8220695853233337, 0.5827811360359192, -1.143263578414917, 1.2105004787445068, 0.2606956958770752, 0.15816664695739746, -1.0473719835281372, 0.39029914140701294, 0.5266544222831726, 0.19431211054325104, 1.1780256032943726, 0.36781206727027893, -1.086020827293396, 1.0290594100952148, 0.41583719849586487, -0.5842691659927368, -1.1250133514404297, 0.6981922388076782};
static const double E_KAIMING_UNIFORM_LINEAR[] = {0.33025187253952026, -0.37388908863067627, 0.4074696898460388, 0.31992703676223755, 0.42010343074798584, -0.3833547830581665, -0.33560848236083984, 0.2379193902015686, -0.4667353630065918, 0.4941847324371338, 0.10642856359481812, 0.06457126140594482};
static const double E_KAIMING_UNIFORM_OUT_RELU[] = {0.15516180751426334, 0.7892791837752968, 0.7544956820055078, -0.21061766614017108, -0.03825284478300306, 0.3332758898465047, -0.8680919566406089, 0.43523552932402376, 0.8305506542517735, 0.8395813228695732, -0.37273716448500926, -0.8268962955707759};
static const double E_KAIMING_NORMAL[] = {-0.5799226760864258, 0.2797534763813019, 0.6356242895126343, -0.9817497730255127, -0.11808401346206665, 0.20163147151470184, -0.45332014560699463, -0.6319097876548767, 0.6551648378372192, -0.3786643147468567, -0.820046067237854, -0.32538023591041565, 0.5010127425193787, 0.7161262035369873, 0.1629151850938797, 0.7708631753921509};
static const double E_KAIMING_NORMAL_OUT_TANH[] = {-0.558030903339386, 0.2691929340362549, 1.3107274770736694, -0.22454454004764557, 0.135024756193161, 0.5321330428123474, 0.7070232629776001, -0.4929671287536621, -0.5776091814041138, -0.8280156254768372, -1.2354469299316406, -0.23490741848945618, -1.4026581048965454, 0.45866745710372925, -0.9004228115081787, -0.925205647945404, -0.5897157788276672, -0.38375794887542725};
static const double E_TRUNC_NORMAL[] = {0.23648430407047272, 0.952526867389679, 1.447334885597229, -0.5078244209289551, 0.03302803263068199, 0.35252606868743896, 1.179491639137268, -1.7966212034225464, 0.18881745636463165, -1.0847556591033936, 1.2762718200683594, 0.44632548093795776, -0.7937634587287903, -1.1275310516357422, -1.9666827917099, 1.150132179260254, 0.8093747496604919, -0.6254416108131409, -0.0759207010269165, -0.9027677178382874};
static const double E_TRUNC_NORMAL64[] = {1.165020279927769, 0.9670720614291091, 0.4502424663505308, 0.5718757451631526, 1.0188750550914811, 0.7486959240832753, 0.9936180570336353, 0.2477655106142106, 0.8417326240954293, 1.1294719969065388, 0.7747589564763739, 1.2359310372985908, 0.7162214426054754, 1.3316565968514866, 0.4477462630394755, 1.026547419754227, 0.27531245063804555, 0.8588553678670269, 0.9651980394602013, 0.4403068521137907};
static const double E_TRUNC_NORMAL_TAIL[] = {2.8540546894073486, 2.624110460281372, 2.721952199935913, 2.987344980239868, 3.2696003913879395, 3.3152756690979004, 2.6044435501098633, 3.4145638942718506, 2.6641366481781006};
static const double E_ORTHOGONAL_TALL[] = {-0.17814527754011, -0.4029640999749412, 0.031100877879722228, -0.36366669461981627, 0.475430705213152, -0.5774438161035469, -0.2574695524146749, -0.36298554498513486, -0.6877082089145216, 0.5643000349228161, -0.5247440740124288, -0.3252839244340067, 0.6717780105659534, 0.4521843977766081, -0.2946848529111674};
static const double E_ORTHOGONAL_WIDE[] = {0.5635766983032227, 1.4867632389068604, -0.5344761610031128, -0.9950042366981506, -0.3921516537666321, -0.205999493598938, 0.1058385968208313, 0.10204503685235977, 0.631588876247406, -0.745755672454834, 1.7164065837860107, -0.2779904901981354};
static const double E_ORTHOGONAL_CONV[] = {-0.05856680870056152, -0.055649735033512115, 0.1527523547410965, -0.2004888504743576, -0.39429304003715515, -0.1564512401819229, -0.4095444679260254, 0.1490950584411621, -0.18773002922534943, -0.04341281205415726, -0.06509481370449066, 0.13667263090610504, -0.13979220390319824, 0.08857988566160202, 0.3987308442592621, -0.13313229382038116, 0.197181835770607, 0.08378913998603821, -0.03613961860537529, 0.29967376589775085, -0.005963421426713467, 0.08292738348245621, 0.07071489840745926, -0.3833751380443573};
static const double E_ORTHOGONAL_BIG[] = {0.2368689775466919, 0.11426109820604324, 0.5957517027854919, -0.24965046346187592, 0.49479246139526367, -0.7312055826187134, -0.21690963208675385, 0.29529324173927307, 0.3341509997844696, 0.42333078384399414, 0.49241697788238525, 0.02118964120745659, -0.28408077359199524, 0.2525152862071991, 0.6636309623718262, 0.22038595378398895, 0.41848674416542053, 0.6086368560791016, 0.3663674592971802, -0.31526994705200195, 0.049531422555446625, 0.1233401820063591, -0.1915346384048462, 0.7725284099578857, -0.04855307936668396, 0.3401965796947479, -0.8655065894126892, 0.2646799385547638, 0.17671559751033783, -0.18388281762599945};
static const double E_SPARSE[] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.01262210588902235, -0.014680099673569202, -0.001037409994751215, 0.005177176091820002, -0.010844631120562553, -0.020900581032037735, -0.0015082946047186852, -0.00192825379781425, -0.0039257328025996685};
static const double E_SPARSE_STD[] = {-0.7056439262718527, 0.6741186353474193, -0.5453586286934085, 0.9107227366883542, 0.0, 0.0, 0.0, 0.0};
static const double E_EYE[] = {1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0};
static const double E_DIRAC[] = {0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
static const double E_DIRAC_GROUPS[] = {0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
static const double E_CONSTANT[] = {0.25, 0.25, 0.25, 0.25};
/* calculate_gain('linear', None) = 1 */
/* calculate_gain('conv_transpose2d', None) = 1 */
/* calculate_gain('sigmoid', None) = 1 */
/* calculate_gain('tanh', None) = 1.6666666666666667 */
/* calculate_gain('relu', None) = 1.4142135623730951 */
/* calculate_gain('leaky_relu', None) = 1.4141428569978354 */
/* calculate_gain('leaky_relu', 0.2) = 1.3867504905630728 */
/* calculate_gain('selu', None) = 0.75 */


typedef ct_tensor *(*init_fn)(ct_tensor *);
static ct_tensor *i_uniform(ct_tensor *t) { return ct_nn_init_uniform_(t, -0.5, 2.0); }
static ct_tensor *i_normal(ct_tensor *t) { return ct_nn_init_normal_(t, 0.5, 2.0); }
static ct_tensor *i_xavier_uniform(ct_tensor *t) { return ct_nn_init_xavier_uniform_(t, 1.5); }
static ct_tensor *i_xavier_normal(ct_tensor *t) { return ct_nn_init_xavier_normal_(t, 1); }
static ct_tensor *i_kaiming_uniform(ct_tensor *t) { return ct_nn_init_kaiming_uniform_(t); }
static ct_tensor *i_kaiming_linear(ct_tensor *t) { return ct_nn_init_kaiming_uniform_(t, .a = sqrt(5)); }
static ct_tensor *i_kaiming_out_relu(ct_tensor *t) {
  return ct_nn_init_kaiming_uniform_(t, .mode = CT_FAN_OUT, .nonlinearity = CT_NL_RELU);
}
static ct_tensor *i_kaiming_normal(ct_tensor *t) { return ct_nn_init_kaiming_normal_(t); }
static ct_tensor *i_kaiming_normal_tanh(ct_tensor *t) {
  return ct_nn_init_kaiming_normal_(t, .a = 0.2, .mode = CT_FAN_OUT, .nonlinearity = CT_NL_TANH);
}
static ct_tensor *i_trunc(ct_tensor *t) { return ct_nn_init_trunc_normal_(t); }
static ct_tensor *i_trunc64(ct_tensor *t) {
  return ct_nn_init_trunc_normal_(t, .mean = 1, .std = 0.5, .a = 0.2, .b = 1.4);
}
static ct_tensor *i_trunc_tail(ct_tensor *t) { return ct_nn_init_trunc_normal_(t, .a = 2.5, .b = 4); }
static ct_tensor *i_orth(ct_tensor *t) { return ct_nn_init_orthogonal_(t, 1); }
static ct_tensor *i_orth2(ct_tensor *t) { return ct_nn_init_orthogonal_(t, 2); }
static ct_tensor *i_orth05(ct_tensor *t) { return ct_nn_init_orthogonal_(t, 0.5); }
static ct_tensor *i_sparse(ct_tensor *t) { return ct_nn_init_sparse_(t, 0.4, 0.01); }
static ct_tensor *i_sparse_std(ct_tensor *t) { return ct_nn_init_sparse_(t, 0.5, 1); }
static ct_tensor *i_dirac(ct_tensor *t) { return ct_nn_init_dirac_(t, 1); }
static ct_tensor *i_dirac2(ct_tensor *t) { return ct_nn_init_dirac_(t, 2); }
static ct_tensor *i_constant(ct_tensor *t) { return ct_nn_init_constant_(t, 0.25); }

#define C(fn, dt, seed, want, tol, ...) {#fn, fn, dt, seed, want, sizeof want / sizeof want[0], tol, CT_SHAPE(__VA_ARGS__)}
static const struct {
  const char *name;
  init_fn fn;
  ct_dtype dt;
  uint64_t seed;
  const double *want;
  size_t n;
  double tol; /* 0: bit for bit */
  int nd;
  const int64_t *shape;
} CASES[] = {
    C(i_uniform, CT_FLOAT32, 1, E_UNIFORM, 0, 3, 5),
    C(i_uniform, CT_FLOAT64, 1, E_UNIFORM64, 0, 3, 5),
    C(i_normal, CT_FLOAT32, 2, E_NORMAL, 0, 4, 5),
    C(i_normal, CT_FLOAT64, 2, E_NORMAL64, 0, 2, 3),
    C(i_xavier_uniform, CT_FLOAT32, 3, E_XAVIER_UNIFORM, 0, 4, 3, 2),
    C(i_xavier_normal, CT_FLOAT32, 4, E_XAVIER_NORMAL, 0, 5, 4),
    C(i_kaiming_uniform, CT_FLOAT32, 5, E_KAIMING_UNIFORM, 0, 6, 4),
    C(i_kaiming_linear, CT_FLOAT32, 5, E_KAIMING_UNIFORM_LINEAR, 0, 3, 4),
    C(i_kaiming_out_relu, CT_FLOAT64, 6, E_KAIMING_UNIFORM_OUT_RELU, 0, 3, 2, 2),
    C(i_kaiming_normal, CT_FLOAT32, 7, E_KAIMING_NORMAL, 0, 4, 4),
    C(i_kaiming_normal_tanh, CT_FLOAT32, 7, E_KAIMING_NORMAL_OUT_TANH, 0, 2, 3, 3),
    C(i_trunc, CT_FLOAT32, 8, E_TRUNC_NORMAL, 0, 4, 5),
    C(i_trunc64, CT_FLOAT64, 8, E_TRUNC_NORMAL64, 0, 4, 5),
    C(i_trunc_tail, CT_FLOAT32, 9, E_TRUNC_NORMAL_TAIL, 0, 3, 3),
    /* QR: PyTorch's Householder (LAPACK) against Gram-Schmidt, rounding apart */
    C(i_orth, CT_FLOAT64, 10, E_ORTHOGONAL_TALL, 1e-12, 5, 3),
    C(i_orth2, CT_FLOAT32, 11, E_ORTHOGONAL_WIDE, 1e-5, 2, 6),
    C(i_orth05, CT_FLOAT32, 12, E_ORTHOGONAL_CONV, 1e-5, 4, 2, 3),
    C(i_orth, CT_FLOAT32, 13, E_ORTHOGONAL_BIG, 1e-5, 6, 5),
    C(i_sparse, CT_FLOAT32, 14, E_SPARSE, 0, 5, 3),
    C(i_sparse_std, CT_FLOAT64, 15, E_SPARSE_STD, 0, 4, 2),
    C(ct_nn_init_eye_, CT_FLOAT32, 0, E_EYE, 0, 3, 4),
    C(i_dirac, CT_FLOAT32, 0, E_DIRAC, 0, 4, 2, 3),
    C(i_dirac2, CT_FLOAT32, 0, E_DIRAC_GROUPS, 0, 4, 3, 3, 2),
    C(i_constant, CT_FLOAT64, 0, E_CONSTANT, 0, 2, 2),
};

static void test_draws_match_pytorch(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    ct_scope_begin();
    ct_manual_seed(CASES[i].seed);
    /* a parameter: a leaf that requires grad, filled under no-grad */
    ct_tensor *t = ct_empty_ex(CASES[i].nd, CASES[i].shape, (ct_tensor_opts){.dtype = CASES[i].dt, .requires_grad = true});
    ct_fill_(ct_detach(t), NAN);
    ct_tensor *r = CASES[i].fn(t);
    if (r != t) fail_msg("%s: %s", CASES[i].name, r ? "did not return its tensor" : ct_last_error());
    ct_test_expect_vals(t, CASES[i].want, (int64_t)CASES[i].n, CASES[i].tol, CASES[i].tol, CASES[i].name, __LINE__);
    assert_true(ct_requires_grad(t));
    assert_null(ct_grad_fn_name(t));
    ct_scope_end();
  }
}

/* a non-contiguous tensor is filled in PyTorch's order too (the fills' memory order) */
static void test_views(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(3);
  ct_tensor *a = ct_empty(CT_SHAPE(4, 3, 2));
  ct_nn_init_xavier_uniform_(a, 1.5);
  ct_manual_seed(3);
  ct_tensor *b = ct_empty(CT_SHAPE(2, 3, 4));
  ct_tensor *bt = ct_permute(b, 3, (int64_t[]){2, 1, 0});
  assert_ptr_equal(ct_nn_init_xavier_uniform_(bt, 1.5), bt);
  /* same fans, drawn in memory order: b's memory is a's */
  ct_test_expect_vals(b, E_XAVIER_UNIFORM, 24, 0, 0, "xavier on a permuted view", __LINE__);
  ct_manual_seed(12);
  ct_tensor *c = ct_empty(CT_SHAPE(4, 2, 3));
  ct_tensor *ct_ = ct_narrow(ct_cat((ct_tensor *const[]){c, c}, 2, 2), 2, 0, 3);
  assert_non_null(ct_nn_init_orthogonal_(ct_, 0.5));
  ct_test_expect_vals(ct_, E_ORTHOGONAL_CONV, 24, 1e-5, 1e-5, "orthogonal on a view", __LINE__);
  ct_scope_end();
}

static void test_orthogonal_is_orthogonal(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *w = ct_nn_init_orthogonal_(ct_empty(CT_SHAPE(7, 4), .dtype = CT_FLOAT64), 1);
  ct_tensor *g = ct_matmul(ct_t(w), w); /* 4 orthonormal columns */
  ct_test_expect_vals(g, (double[]){1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 16, 1e-12, 1e-12, "Q^T Q", __LINE__);
  ct_tensor *v = ct_nn_init_orthogonal_(ct_empty(CT_SHAPE(3, 8), .dtype = CT_FLOAT64), 1);
  g = ct_matmul(v, ct_t(v)); /* 3 orthonormal rows */
  ct_test_expect_vals(g, (double[]){1, 0, 0, 0, 1, 0, 0, 0, 1}, 9, 1e-12, 1e-12, "Q Q^T", __LINE__);
  ct_scope_end();
}

static void test_gain_and_fans(void **state) {
  (void)state;
  assert_float_equal(ct_nn_init_calculate_gain(CT_NL_LINEAR, NAN), 1, 0);
  assert_float_equal(ct_nn_init_calculate_gain(CT_NL_CONV_TRANSPOSE2D, NAN), 1, 0);
  assert_float_equal(ct_nn_init_calculate_gain(CT_NL_SIGMOID, NAN), 1, 0);
  assert_float_equal(ct_nn_init_calculate_gain(CT_NL_TANH, NAN), 1.6666666666666667, 0);
  assert_float_equal(ct_nn_init_calculate_gain(CT_NL_RELU, NAN), 1.4142135623730951, 0);
  assert_float_equal(ct_nn_init_calculate_gain(CT_NL_LEAKY_RELU, NAN), 1.4141428569978354, 0);
  assert_float_equal(ct_nn_init_calculate_gain(CT_NL_LEAKY_RELU, 0.2), 1.3867504905630728, 0);
  assert_float_equal(ct_nn_init_calculate_gain(CT_NL_SELU, NAN), 0.75, 0);
  assert_true(isnan(ct_nn_init_calculate_gain((ct_nonlinearity)99, NAN)));
  expect_fail(1, "Unsupported nonlinearity 99");
  ct_scope_begin();
  int64_t fi = 0, fo = 0;
  assert_int_equal(ct_nn_init_calculate_fan_in_and_fan_out(ct_empty(CT_SHAPE(8, 3, 5, 5)), &fi, &fo), 0);
  assert_int_equal(fi, 75);
  assert_int_equal(fo, 200);
  expect_fail(ct_nn_init_calculate_fan_in_and_fan_out(ct_empty(CT_SHAPE(3)), &fi, &fo),
              "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *v = ct_zeros(CT_SHAPE(4)), *m = ct_zeros(CT_SHAPE(4, 3)), *k = ct_zeros(CT_SHAPE(4, 3, 2));
  const char *fan = "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions";
  expect_error(ct_nn_init_xavier_uniform_(v, 1), fan);
  expect_error(ct_nn_init_xavier_normal_(v, 1), fan);
  expect_error(ct_nn_init_kaiming_uniform_(v), fan);
  expect_error(ct_nn_init_kaiming_normal_(v), fan);
  expect_error(ct_nn_init_eye_(k), "Only tensors with 2 dimensions are supported");
  expect_error(ct_nn_init_sparse_(k, 0.1, 0.01), "Only tensors with 2 dimensions are supported");
  expect_error(ct_nn_init_orthogonal_(v, 1), "Only tensors with 2 or more dimensions are supported");
  expect_error(ct_nn_init_dirac_(m, 1), "Only tensors with 3, 4, or 5 dimensions are supported");
  expect_error(ct_nn_init_dirac_(ct_zeros(CT_SHAPE(3, 2, 2)), 2), "dim 0 must be divisible by groups");
  expect_error(ct_nn_init_dirac_(k, 0), "integer division or modulo by zero");
  expect_error(ct_nn_init_kaiming_uniform_(m, .mode = (ct_fan_mode)5), "Mode 5 not supported, please use one of fan_in, fan_out");
  expect_error(ct_nn_init_normal_(m, 0, -1), "normal expects std >= 0.0, but found std -1");
  expect_error(ct_nn_init_uniform_(ct_zeros(CT_SHAPE(2), .dtype = CT_INT64), 0, 1), "\"check_uniform_bounds\" not implemented for 'Long'");
  expect_error(ct_nn_init_xavier_uniform_(ct_zeros(CT_SHAPE(0, 0)), 1), "float division by zero");
  expect_error(ct_nn_init_sparse_(m, NAN, 0.01), "cannot convert float NaN to integer");
  /* zero-element tensors: a no-op where PyTorch's is */
  ct_tensor *e = ct_zeros(CT_SHAPE(0, 3));
  assert_ptr_equal(ct_nn_init_kaiming_uniform_(e), e);
  assert_ptr_equal(ct_nn_init_kaiming_normal_(e), e);
  assert_ptr_equal(ct_nn_init_orthogonal_(e, 1), e);
  /* groups < 0 divide like Python's: zeros, no ones */
  ct_nn_init_ones_(k);
  assert_ptr_equal(ct_nn_init_dirac_(k, -2), k);
  assert_int_equal(ct_numel(ct_nonzero(k)), 0);
  /* sparse_ with a sparsity beyond 1 or below 0 slices as Python does */
  ct_nn_init_sparse_(m, 2, 1);
  assert_int_equal(ct_numel(ct_nonzero(m)), 0);
  ct_nn_init_sparse_(m, -0.5, 1); /* ceil(-2) = -2: [:-2] zeroes 2 of 4 rows per column */
  assert_int_equal(ct_shape(ct_nonzero(m))[0], 6);
  assert_ptr_equal(ct_nn_init_ones_(m), m);
  expect_exact(ct_sum(m), 12);
  assert_ptr_equal(ct_nn_init_zeros_(m), m);
  expect_exact(ct_sum(m), 0);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_draws_match_pytorch),      cmocka_unit_test(test_views),
      cmocka_unit_test(test_orthogonal_is_orthogonal), cmocka_unit_test(test_gain_and_fans),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
