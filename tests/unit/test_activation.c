/* The activations of torch.nn.functional (src/ops/activation*.c): values and gradients
 * against PyTorch 1.13 for every function and option set, float32 values, rrelu's training
 * draws for a seed, the in-place forms (values, grad_fn names, gradients), PyTorch's error
 * messages, and gradcheck + gradgradcheck in float64. The expected numbers come from
 * tools/nn/gen_activation_values.py (run with /usr/bin/python3, torch 1.13). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define NX 16
static const double X[NX] = {-5, -3.5, -3, -2, -1.25, -0.5, -0.25, 0, 0.25, 0.5, 1, 1.5, 2.5, 3, 4, 6.5};
/* away from every kink of the cases below, for gradcheck */
static const double G[10] = {-4.3, -2.7, -1.7, -1.1, -0.37, 0.13, 0.61, 1.3, 2.2, 3.6};

typedef ct_tensor *(*unary_fn)(const ct_tensor *);
typedef struct {
  const char *name;
  unary_fn fn;
  int n;
  double y[NX], gx[NX]; /* out and d(sum(out * linspace(-1, 1, n)))/dx */
} act_case;

static ct_tensor *a_relu6(const ct_tensor *x) { return ct_relu6(x); }
static ct_tensor *a_hardtanh(const ct_tensor *x) { return ct_hardtanh(x); }
static ct_tensor *a_hardtanh_opts(const ct_tensor *x) { return ct_hardtanh(x, .min_val = -2, .max_val = 3); }
static ct_tensor *a_threshold(const ct_tensor *x) { return ct_threshold(x, 0.5, -7); }
static ct_tensor *a_leaky(const ct_tensor *x) { return ct_leaky_relu(x); }
static ct_tensor *a_leaky_opts(const ct_tensor *x) { return ct_leaky_relu(x, .negative_slope = -0.3); }
static ct_tensor *a_rrelu_eval(const ct_tensor *x) { return ct_rrelu(x); }
static ct_tensor *a_rrelu_eval_opts(const ct_tensor *x) { return ct_rrelu(x, .lower = 0.1, .upper = 0.5); }
static ct_tensor *a_elu(const ct_tensor *x) { return ct_elu(x); }
static ct_tensor *a_elu_opts(const ct_tensor *x) { return ct_elu(x, .alpha = 0.5); }
static ct_tensor *a_celu(const ct_tensor *x) { return ct_celu(x); }
static ct_tensor *a_celu_opts(const ct_tensor *x) { return ct_celu(x, .alpha = 2); }
static ct_tensor *a_selu(const ct_tensor *x) { return ct_selu(x); }
static ct_tensor *a_softplus(const ct_tensor *x) { return ct_softplus(x); }
static ct_tensor *a_softplus_opts(const ct_tensor *x) { return ct_softplus(x, .beta = 2, .threshold = 5); }
static ct_tensor *a_softshrink(const ct_tensor *x) { return ct_softshrink(x); }
static ct_tensor *a_softshrink_opts(const ct_tensor *x) { return ct_softshrink(x, .lambd = 1.5); }
static ct_tensor *a_hardshrink(const ct_tensor *x) { return ct_hardshrink(x); }
static ct_tensor *a_hardshrink_opts(const ct_tensor *x) { return ct_hardshrink(x, .lambd = 1); }
static ct_tensor *a_logsigmoid(const ct_tensor *x) { return ct_logsigmoid(x); }
static ct_tensor *a_hardsigmoid(const ct_tensor *x) { return ct_hardsigmoid(x); }
static ct_tensor *a_hardswish(const ct_tensor *x) { return ct_hardswish(x); }
static ct_tensor *a_mish(const ct_tensor *x) { return ct_mish(x); }
static ct_tensor *a_softsign(const ct_tensor *x) { return ct_softsign(x); }
static ct_tensor *a_tanhshrink(const ct_tensor *x) { return ct_tanhshrink(x); }
static ct_tensor *a_softmin(const ct_tensor *x) { return ct_softmin(x, 0); }
static ct_tensor *a_glu(const ct_tensor *x) { return ct_glu(x, -1); }
static ct_tensor *a_prelu1(const ct_tensor *x) { return ct_prelu(x, ct_full(CT_SHAPE(1), 0.25, .dtype = CT_FLOAT64)); }
static const act_case CASES[] = {
    {"relu6", a_relu6, 16,
     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.0},
     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 0.0}},
    {"hardtanh", a_hardtanh, 16,
     {-1.0, -1.0, -1.0, -1.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0},
     {0.0, 0.0, 0.0, 0.0, 0.0, -0.33333333333333337, -0.2, -0.06666666666666665, 0.06666666666666668, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}},
    {"hardtanh_opts", a_hardtanh_opts, 16,
     {-2.0, -2.0, -2.0, -2.0, -1.25, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 3.0, 3.0},
     {0.0, 0.0, 0.0, 0.0, -0.4666666666666667, -0.33333333333333337, -0.2, -0.06666666666666665, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.0, 0.0, 0.0}},
    {"threshold", a_threshold, 16,
     {-7.0, -7.0, -7.0, -7.0, -7.0, -7.0, -7.0, -7.0, -7.0, -7.0, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"leaky", a_leaky, 16,
     {-0.05, -0.035, -0.03, -0.02, -0.0125, -0.005, -0.0025, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-0.01, -0.008666666666666668, -0.007333333333333334, -0.006, -0.004666666666666667, -0.003333333333333334, -0.002, -0.0006666666666666665, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"leaky_opts", a_leaky_opts, 16,
     {1.5, 1.05, 0.8999999999999999, 0.6, 0.375, 0.15, 0.075, -0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {0.3, 0.26, 0.22, 0.18, 0.13999999999999999, 0.1, 0.06, 0.019999999999999993, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"rrelu_eval", a_rrelu_eval, 16,
     {-1.1458333333333333, -0.8020833333333333, -0.6875, -0.4583333333333333, -0.2864583333333333, -0.11458333333333333, -0.057291666666666664, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-0.22916666666666666, -0.1986111111111111, -0.16805555555555557, -0.13749999999999998, -0.10694444444444444, -0.0763888888888889, -0.04583333333333334, -0.015277777777777774, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"rrelu_eval_opts", a_rrelu_eval_opts, 16,
     {-1.5, -1.05, -0.8999999999999999, -0.6, -0.375, -0.15, -0.075, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-0.3, -0.26, -0.22, -0.18, -0.13999999999999999, -0.1, -0.06, -0.019999999999999993, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"elu", a_elu, 16,
     {-0.9932620530009145, -0.9698026165776815, -0.950212931632136, -0.8646647167633873, -0.7134952031398099, -0.3934693402873666, -0.22119921692859512, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-0.006737946999085467, -0.026171065632676033, -0.03651051680310023, -0.08120116994196762, -0.13370223853475538, -0.20217688657087782, -0.155760156614281, -0.06666666666666665, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"elu_opts", a_elu_opts, 16,
     {-0.49663102650045726, -0.48490130828884076, -0.475106465816068, -0.43233235838169365, -0.3567476015699049, -0.1967346701436833, -0.11059960846429756, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-0.0033689734995427335, -0.013085532816338017, -0.018255258401550116, -0.04060058497098381, -0.06685111926737769, -0.10108844328543891, -0.0778800783071405, -0.033333333333333326, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"celu", a_celu, 16,
     {-0.9932620530009145, -0.9698026165776815, -0.950212931632136, -0.8646647167633873, -0.7134952031398099, -0.3934693402873666, -0.22119921692859512, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-0.006737946999085467, -0.026171065632676033, -0.03651051680310023, -0.08120116994196762, -0.13370223853475538, -0.20217688657087782, -0.155760156614281, -0.06666666666666665, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"celu_opts", a_celu_opts, 16,
     {-1.8358300027522023, -1.6524521130991099, -1.5537396797031404, -1.2642411176571153, -0.9294771429620194, -0.44239843385719024, -0.2350061948308091, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-0.0820849986238988, -0.1506040843237191, -0.16362878410884854, -0.2207276647028654, -0.24978866664219546, -0.2596002610238017, -0.1764993805169191, -0.06666666666666665, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"selu", a_selu, 16,
     {-1.7462533606696198, -1.705009340957283, -1.6705687287671118, -1.5201664685956948, -1.2543954463378648, -0.6917581878028713, -0.388890197478119, 0.0, 0.2626752468388701, 0.5253504936777402, 1.0507009873554805, 1.5760514810332207, 2.626752468388701, 3.1521029620664414, 4.202803949421922, 6.829556417810623},
     {-0.011845980177756718, -0.04601133323808117, -0.06418911552552758, -0.1427597233510091, -0.23506181743777213, -0.35544705101483515, -0.27384182867385154, -0.11720662272315842, 0.07004673249036537, 0.2101401974710961, 0.35023366245182685, 0.4903271274325576, 0.6304205924132883, 0.7705140573940189, 0.9106075223747497, 1.0507009873554805}},
    {"softplus", a_softplus, 16,
     {0.006715348489118068, 0.029750418272620566, 0.04858735157374206, 0.1269280110429725, 0.2519290813453729, 0.4740769841801067, 0.5759394198788436, 0.6931471805599453, 0.8259394198788436, 0.9740769841801067, 1.3132616875182228, 1.7014132779827524, 2.5788897342925496, 3.048587351573742, 4.0181499279178094, 6.501502310159754},
     {-0.006692850924284856, -0.02540393331784214, -0.034778973663548984, -0.07152175321327053, -0.10392673145181079, -0.1258468895993818, -0.08756469982284039, -0.033333333333333326, 0.037478433392386545, 0.12449186624037092, 0.24368619287666832, 0.3815347555570337, 0.5544850919872538, 0.6985543596697843, 0.8510786180328539, 0.998498817743263}},
    {"softplus_opts", a_softplus_opts, 16,
     {2.2699449608432323e-05, 0.00045573322688712237, 0.0012378425688652247, 0.009074963958904869, 0.03944486714627481, 0.15663084375911143, 0.23703849209005334, 0.34657359027997264, 0.48703849209005334, 0.6566308437591114, 1.0634640055214863, 1.524293675786871, 2.503357674244559, 3.0, 4.0, 6.5},
     {-4.5397868702434395e-05, -0.0007895777018138928, -0.0018132569815321681, -0.010791725977254934, -0.03540048400991366, -0.08964714045666505, -0.07550813375962909, -0.033333333333333326, 0.04149728874679032, 0.146211715726001, 0.29359902599262755, 0.4445345925171355, 0.5959842894454291, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"softshrink", a_softshrink, 16,
     {-4.5, -3.0, -2.5, -1.5, -0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 2.0, 2.5, 3.5, 6.0},
     {-1.0, -0.8666666666666667, -0.7333333333333334, -0.6, -0.4666666666666667, 0.0, 0.0, 0.0, 0.0, 0.0, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"softshrink_opts", a_softshrink_opts, 16,
     {-3.5, -2.0, -1.5, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.5, 2.5, 5.0},
     {-1.0, -0.8666666666666667, -0.7333333333333334, -0.6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"hardshrink", a_hardshrink, 16,
     {-5.0, -3.5, -3.0, -2.0, -1.25, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-1.0, -0.8666666666666667, -0.7333333333333334, -0.6, -0.4666666666666667, 0.0, 0.0, 0.0, 0.0, 0.0, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"hardshrink_opts", a_hardshrink_opts, 16,
     {-5.0, -3.5, -3.0, -2.0, -1.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-1.0, -0.8666666666666667, -0.7333333333333334, -0.6, -0.4666666666666667, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"logsigmoid", a_logsigmoid, 16,
     {-5.006715348489118, -3.5297504182726205, -3.048587351573742, -2.1269280110429727, -1.501929081345373, -0.9740769841801067, -0.8259394198788436, -0.6931471805599453, -0.5759394198788436, -0.4740769841801067, -0.31326168751822286, -0.2014132779827524, -0.07888973429254963, -0.04858735157374206, -0.018149927917809738, -0.0015023101597542838},
     {-0.9933071490757152, -0.8412627333488245, -0.6985543596697844, -0.5284782467867294, -0.36273993521485587, -0.2074864437339515, -0.11243530017715964, -0.033333333333333326, 0.02918823327428013, 0.0755081337596291, 0.08964714045666504, 0.08513191110963295, 0.04551490801274614, 0.03477897366354898, 0.015588048633812681, 0.0015011822567369915}},
    {"hardsigmoid", a_hardsigmoid, 16,
     {0.0, 0.0, 0.0, 0.16666666666666666, 0.2916666666666667, 0.4166666666666667, 0.4583333333333333, 0.5, 0.5416666666666666, 0.5833333333333334, 0.6666666666666666, 0.75, 0.9166666666666666, 1.0, 1.0, 1.0},
     {0.0, 0.0, 0.0, -0.10000000298023223, -0.07777778009573619, -0.05555555721124014, -0.03333333432674408, -0.011111111442248025, 0.011111111442248028, 0.03333333432674408, 0.05555555721124014, 0.07777778009573619, 0.10000000298023223, 0.0, 0.0, 0.0}},
    {"hardswish", a_hardswish, 16,
     {-0.0, -0.0, -0.0, -0.3333333333333333, -0.3645833333333333, -0.20833333333333334, -0.11458333333333333, 0.0, 0.13541666666666666, 0.2916666666666667, 0.6666666666666666, 1.125, 2.2916666666666665, 3.0, 4.0, 6.5},
     {0.0, 0.0, 0.3666666666666667, 0.09999999999999998, -0.03888888888888888, -0.11111111111111113, -0.08333333333333334, -0.033333333333333326, 0.038888888888888896, 0.13333333333333333, 0.2777777777777778, 0.4666666666666667, 0.8, 0.7333333333333333, 0.8666666666666667, 1.0}},
    {"mish", a_mish, 16,
     {-0.033576237730161704, -0.10409575448637122, -0.1456474612756246, -0.2525014826957089, -0.3084139611415277, -0.22074377465173, -0.12992696367914103, 0.0, 0.1695724096638176, 0.37524521130489513, 0.8650983882673103, 1.4033782663958028, 2.471392304557881, 2.9865350049679575, 3.9974128069762385, 6.499970703939837},
     {0.026747498019901936, 0.06305902498416478, 0.06848828399036862, 0.06501305545223633, 0.006858862487409099, -0.09650355930450409, -0.08796312034436105, -0.03999999999999999, 0.05027817784803953, 0.17728487507154547, 0.3496787400332641, 0.5079610596703288, 0.6246777180788118, 0.7488117346815919, 0.8705084933165836, 1.0000539969448543}},
    {"softsign", a_softsign, 16,
     {-0.8333333333333334, -0.7777777777777778, -0.75, -0.6666666666666666, -0.5555555555555556, -0.3333333333333333, -0.2, 0.0, 0.2, 0.3333333333333333, 0.5, 0.6, 0.7142857142857143, 0.75, 0.8, 0.8666666666666667},
     {-0.027777777777777762, -0.042798353909465014, -0.04583333333333334, -0.06666666666666665, -0.09218106995884773, -0.14814814814814814, -0.128, -0.06666666666666665, 0.04266666666666667, 0.08888888888888888, 0.08333333333333334, 0.07466666666666667, 0.0489795918367347, 0.04583333333333334, 0.03466666666666665, 0.017777777777777767}},
    {"tanhshrink", a_tanhshrink, 16,
     {-4.000090795737405, -2.501822102388801, -2.0049452463132695, -1.035972419924183, -0.4017163600424871, -0.03788284273999026, -0.005081337596290869, 0.0, 0.005081337596290869, 0.03788284273999026, 0.23840584404423515, 0.5948517463551336, 1.5133857018485697, 2.0049452463132695, 3.000670700260933, 5.500004520648596},
     {-0.9998184167690561, -0.8635112332422443, -0.7260982394120106, -0.5576095050881014, -0.33580639578246474, -0.07118408901135753, -0.011997030238724393, 0.0, 0.003999010079574802, 0.04271045340681451, 0.19334188612865796, 0.3823369018356306, 0.5840446639901037, 0.7260982394120105, 0.8655045094080442, 0.9999909587232446}},
    {"softmin", a_softmin, 16,
     {0.6790675887086209, 0.15152045982016266, 0.09190180445468484, 0.03380878446543662, 0.015970138970302267, 0.00754375949219662, 0.005875085799825071, 0.004575521421515457, 0.0035634196660362253, 0.002775194026321056, 0.0016832402636150696, 0.0010209368275453151, 0.00037558166958871574, 0.00022780179783161606, 8.38035980841448e-05, 6.879018233414793e-06},
     {0.06301028231663584, -0.0061432335917129535, -0.015979633450441778, -0.010386416552597892, -0.007035547644989849, -0.0043291919866685685, -0.004154922882593942, -0.003845926717434189, -0.0034703333613111467, -0.003072724209484082, -0.0020881334770420368, -0.001402641885737717, -0.0005660806690340115, -0.00037371885468398335, -0.00014865729649426123, -1.311973640928592e-05}},
    {"glu", a_glu, 8,
     {-2.8108825044289905, -2.178607659206491, -2.193175735890015, -1.6351489523872873, -1.1551772749734457, -0.4762870634112167, -0.2455034475094771, 0.0},
     {-0.5621765008857981, -0.4446138080013247, -0.31331081941285926, -0.11679635374194913, 0.13202025999696526, 0.40824605435247147, 0.7014384214556489, 0.998498817743263, 1.2306704136879918, 0.5875092805039863, 0.25278677131047667, 0.04261327202009512, -0.012518520811626445, -0.009680712799481144, -0.0031540546809448408, 0.0}},
    {"prelu1", a_prelu1, 16,
     {-1.25, -0.875, -0.75, -0.5, -0.3125, -0.125, -0.0625, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5},
     {-0.25, -0.21666666666666667, -0.18333333333333335, -0.15, -0.11666666666666667, -0.08333333333333334, -0.05, -0.016666666666666663, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0}},
};
static const double RRELU_TRAIN[] = {-0.9160212811525041, -0.6370683328710791, -0.9138081008860159, -0.5236201794117505, -0.39649202277421536, -0.14995264330858193, -0.04659958895900436, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5};
static const double RRELU_TRAIN_GRAD[] = {0.3117521719625616, 0.30947748546070625, 0.5448371845670501, 0.46267537223528055, 0.5690117469811948, 0.5358181503049546, 0.3178848432051535, 0.4242886389488622, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
static const double RRELU_TRAIN_F32[] = {-0.9160213470458984, -0.6370683908462524, -0.9138081073760986, -0.5236201882362366, -0.39649203419685364, -0.14995265007019043, -0.04659958928823471, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5};
static const double PRELU2[] = {-1.25, -0.875, -0.75, -0.5, 0.625, 0.25, 0.125, -0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5};
static const double PRELU2_GX[] = {-0.25, -0.21666666666666667, -0.18333333333333335, -0.15, 0.23333333333333334, 0.16666666666666669, 0.1, 0.033333333333333326, 0.06666666666666668, 0.2, 0.33333333333333337, 0.4666666666666667, 0.6, 0.7333333333333333, 0.8666666666666667, 1.0};
static const double PRELU2_GW[] = {11.433333333333334, 0.8};
static const double GLU0[] = {-2.8108825044289905, -2.178607659206491, -2.193175735890015, -1.6351489523872873, -1.1551772749734457, -0.4762870634112167, -0.2455034475094771, 0.0};
static const double GLU0_GX[] = {-0.5621765008857981, -0.4446138080013247, -0.31331081941285926, -0.11679635374194913, 0.13202025999696526, 0.40824605435247147, 0.7014384214556489, 0.998498817743263, 1.2306704136879918, 0.5875092805039863, 0.25278677131047667, 0.04261327202009512, -0.012518520811626445, -0.009680712799481144, -0.0031540546809448408, 0.0};
static const double F32_ELU[] = {-0.9932620525360107, -0.9698026180267334, -0.9502129554748535, -0.8646647334098816, -0.7134951949119568, -0.39346933364868164, -0.22119921445846558, 0.0, 0.25, 0.5, 1.0, 1.5, 2.5, 3.0, 4.0, 6.5};
static const double F32_MISH[] = {-0.03357623517513275, -0.10409574955701828, -0.14564746618270874, -0.2525014877319336, -0.30841395258903503, -0.22074377536773682, -0.12992696464061737, 0.0, 0.16957241296768188, 0.37524521350860596, 0.8650983572006226, 1.4033782482147217, 2.4713923931121826, 2.98653507232666, 3.997412919998169, 6.499970436096191};
static const double F32_SOFTPLUS[] = {0.006715348456054926, 0.029750417917966843, 0.04858735203742981, 0.12692801654338837, 0.25192907452583313, 0.4740769863128662, 0.575939416885376, 0.6931471824645996, 0.825939416885376, 0.9740769863128662, 1.31326162815094, 1.7014132738113403, 2.578889846801758, 3.0485873222351074, 4.0181498527526855, 6.501502513885498};
static const double F32_LOGSIG[] = {-5.006715297698975, -3.529750347137451, -3.0485873222351074, -2.1269280910491943, -1.5019290447235107, -0.9740769863128662, -0.825939416885376, -0.6931471824645996, -0.575939416885376, -0.4740769863128662, -0.3132616877555847, -0.20141328871250153, -0.07888973504304886, -0.04858735203742981, -0.018149929121136665, -0.0015023101586848497};
static const double F32_HSWISH[] = {-0.0, -0.0, -0.0, -0.3333333432674408, -0.3645833432674408, -0.2083333283662796, -0.1145833358168602, 0.0, 0.1354166716337204, 0.2916666567325592, 0.6666666865348816, 1.125, 2.2916667461395264, 3.0, 4.0, 6.5};


/* linspace(-1, 1, n) in float64, PyTorch's grad_output */
static ct_tensor *ramp_grad(int64_t n) { return ct_linspace(-1, 1, n, .dtype = CT_FLOAT64); }

static void test_values_and_grads(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    const act_case *c = &CASES[i];
    ct_scope_begin();
    ct_tensor *x = vec(NX, X, true);
    ct_tensor *y = c->fn(x);
    if (!y) fail_msg("%s: %s", c->name, ct_last_error());
    ct_test_expect_vals(y, c->y, c->n, 1e-12, 1e-14, c->name, __LINE__);
    assert_int_equal(ct_backward(y, .gradient = ramp_grad(c->n)), 0);
    ct_test_expect_vals(ct_grad(x), c->gx, NX, 1e-12, 1e-14, c->name, __LINE__);
    ct_scope_end();
  }
}

static int run_case(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = ((const act_case *)u)->fn(in[0]);
  return out[0] ? 0 : -1;
}

static void test_gradcheck(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    ct_scope_begin();
    ct_tensor *x = vec(10, G, true);
    check_grads(run_case, &x, 1, (void *)&CASES[i], CASES[i].name);
    ct_scope_end();
  }
}

static void test_float32(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_to(vec(NX, X, false), CT_FLOAT32);
  ct_tensor *e = ct_elu(x), *m = ct_mish(x), *s = ct_softplus(x), *l = ct_logsigmoid(x);
  ct_tensor *h = ct_hardswish(x);
  assert_int_equal(ct_dtype_of(e), CT_FLOAT32);
  expect_vals(e, F32_ELU, NX, 2e-7, 1e-7);
  expect_vals(m, F32_MISH, NX, 2e-7, 1e-7);
  expect_vals(s, F32_SOFTPLUS, NX, 2e-7, 1e-7);
  expect_vals(l, F32_LOGSIG, NX, 2e-7, 1e-7);
  expect_vals(h, F32_HSWISH, NX, 2e-7, 1e-7);
  ct_scope_end();
}

/* rrelu in training draws PyTorch's slopes: the same numbers for the same seed */
static void test_rrelu_training(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = vec(NX, X, false);
  ct_manual_seed(7);
  expect_vals(ct_rrelu(x, .training = true), RRELU_TRAIN, NX, 0, 0);
  ct_manual_seed(7);
  expect_vals(ct_rrelu(ct_to(x, CT_FLOAT32), .training = true), RRELU_TRAIN_F32, NX, 0, 0);
  ct_tensor *xg = vec(NX, X, true);
  ct_manual_seed(7);
  ct_tensor *y = ct_rrelu(xg, .lower = 0.2, .upper = 0.6, .training = true);
  assert_string_equal(ct_grad_fn_name(y), "RreluWithNoiseBackward0");
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  expect_vals(ct_grad(xg), RRELU_TRAIN_GRAD, NX, 0, 0);
  /* in place: the same draws, written into x */
  ct_tensor *xc = ct_clone(x);
  ct_manual_seed(7);
  assert_ptr_equal(ct_rrelu_(xc, .training = true), xc);
  expect_vals(xc, RRELU_TRAIN, NX, 0, 0);
  /* a private generator */
  ct_generator *gen = ct_generator_new(7);
  expect_vals(ct_rrelu(x, .training = true, .generator = gen), RRELU_TRAIN, NX, 0, 0);
  ct_generator_free(gen);
  /* training draws are the gradient of the output: gradcheck with the draws replayed is
   * the noise itself; the eval slope is covered by the table */
  ct_scope_end();
}

static void test_prelu_glu(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_detach(ct_reshape(vec(NX, X, false), 3, (int64_t[]){2, 2, 4}));
  ct_requires_grad_(x, true);
  ct_tensor *w = vec(2, (double[]){0.25, -0.5}, true);
  ct_tensor *y = ct_prelu(x, w);
  assert_string_equal(ct_grad_fn_name(y), "PreluBackward0");
  expect_vals(y, PRELU2, NX, 1e-12, 0);
  assert_int_equal(ct_backward(y, .gradient = ct_reshape(ramp_grad(NX), 3, (int64_t[]){2, 2, 4})), 0);
  expect_vals(ct_grad(x), PRELU2_GX, NX, 1e-12, 1e-14);
  expect_vals(ct_grad(w), PRELU2_GW, 2, 1e-12, 1e-14);
  ct_tensor *x2 = ct_detach(ct_reshape(vec(NX, X, false), 2, (int64_t[]){4, 4}));
  ct_requires_grad_(x2, true);
  ct_tensor *g = ct_glu(x2, 0);
  assert_string_equal(ct_grad_fn_name(g), "GluBackward0");
  expect_vals(g, GLU0, 8, 1e-12, 0);
  assert_int_equal(ct_backward(g, .gradient = ct_reshape(ramp_grad(8), 2, (int64_t[]){2, 4})), 0);
  expect_vals(ct_grad(x2), GLU0_GX, NX, 1e-12, 1e-14);
  /* a 0-dim input stays 0-dim (common_nn's PReLU_scalar): prelu(-2, [0.25]) = -0.5, gw = -2 */
  ct_tensor *s = ct_scalar_tensor(-2, CT_FLOAT64), *w1 = vec(1, (double[]){0.25}, true);
  ct_requires_grad_(s, true);
  ct_tensor *ys = ct_prelu(s, w1);
  assert_int_equal(ct_dim(ys), 0);
  expect_vals(ys, ((double[]){-0.5}), 1, 0, 0);
  assert_int_equal(ct_backward(ys), 0);
  expect_vals(ct_grad(s), ((double[]){0.25}), 1, 0, 0);
  expect_vals(ct_grad(w1), ((double[]){-2}), 1, 0, 0);
  assert_int_equal(ct_dim(ct_grad(w1)), 1);
  ct_scope_end();
}

static int run_prelu(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = ct_prelu(in[0], in[1]);
  return out[0] ? 0 : -1;
}
static int run_glu1(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = ct_glu(in[0], 1);
  return out[0] ? 0 : -1;
}

static void test_prelu_glu_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_detach(ct_reshape(vec(10, G, false), 2, (int64_t[]){2, 5}));
  ct_requires_grad_(x, true);
  ct_tensor *x3 = ct_detach(ct_reshape(ct_cat((ct_tensor *const[]){vec(10, G, false), vec(10, G, false)}, 2, 0), 3, (int64_t[]){2, 5, 2}));
  ct_requires_grad_(x3, true);
  ct_tensor *w5 = vec(5, (double[]){0.25, -0.5, 0.1, 2, 0.7}, true);
  ct_tensor *w1 = vec(1, (double[]){0.3}, true);
  check_grads(run_prelu, ((ct_tensor *[]){x3, w5}), 2, NULL, "prelu per channel");
  check_grads(run_prelu, ((ct_tensor *[]){x, w1}), 2, NULL, "prelu one weight");
  ct_tensor *x52 = ct_detach(ct_reshape(x, 2, (int64_t[]){5, 2}));
  ct_requires_grad_(x52, true);
  check_grads(run_glu1, &x52, 1, NULL, "glu dim 1");
  ct_scope_end();
}

/* each in-place form: op_(t) == op(t), PyTorch's grad_fn name, the same gradient */
typedef struct {
  const char *name, *grad_fn;
  ct_tensor *(*inplace)(ct_tensor *);
  unary_fn ref;
} inplace_case;
static ct_tensor *i_relu6(ct_tensor *t) { return ct_relu6_(t); }
static ct_tensor *i_hardtanh(ct_tensor *t) { return ct_hardtanh_(t, .min_val = -2, .max_val = 3); }
static ct_tensor *i_threshold(ct_tensor *t) { return ct_threshold_(t, 0.5, -7); }
static ct_tensor *i_leaky(ct_tensor *t) { return ct_leaky_relu_(t); }
static ct_tensor *i_rrelu(ct_tensor *t) { return ct_rrelu_(t); }
static ct_tensor *i_elu(ct_tensor *t) { return ct_elu_(t, .alpha = 0.5); }
static ct_tensor *i_selu(ct_tensor *t) { return ct_selu_(t); }
static ct_tensor *i_celu(ct_tensor *t) { return ct_celu_(t, .alpha = 2); }
static ct_tensor *i_hardsigmoid(ct_tensor *t) { return ct_hardsigmoid_(t); }
static ct_tensor *i_hardswish(ct_tensor *t) { return ct_hardswish_(t); }
static ct_tensor *i_mish(ct_tensor *t) { return ct_mish_(t); }
static ct_tensor *i_silu(ct_tensor *t) { return ct_silu_(t); }
static const inplace_case INPLACE[] = {
    {"relu6_", "HardtanhBackward0", i_relu6, a_relu6},
    {"hardtanh_", "HardtanhBackward0", i_hardtanh, a_hardtanh_opts},
    {"threshold_", "ThresholdBackward1", i_threshold, a_threshold},
    {"leaky_relu_", "LeakyReluBackward1", i_leaky, a_leaky},
    {"rrelu_", "RreluWithNoiseBackward1", i_rrelu, a_rrelu_eval},
    {"elu_", "EluBackward1", i_elu, a_elu_opts},
    {"selu_", "EluBackward1", i_selu, a_selu},
    {"celu_", "CeluBackward1", i_celu, a_celu_opts},
    {"hardsigmoid_", "HardsigmoidBackward0", i_hardsigmoid, a_hardsigmoid},
    {"hardswish_", "HardswishBackward0", i_hardswish, a_hardswish},
    {"mish_", "MishBackward0", i_mish, a_mish},
    {"silu_", "SiluBackward0", i_silu, ct_silu},
};

static int run_inplace(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = ((const inplace_case *)u)->inplace(ct_mul_scalar(in[0], 1));
  return out[0] ? 0 : -1;
}

static void test_inplace(void **state) {
  (void)state;
  double want[NX], got[NX];
  for (size_t i = 0; i < sizeof INPLACE / sizeof INPLACE[0]; i++) {
    const inplace_case *c = &INPLACE[i];
    ct_scope_begin();
    /* no autograd: the kernel runs in the tensor */
    ct_tensor *x = vec(NX, X, false), *ref = c->ref(x);
    assert_int_equal(ct_to_doubles(ref, want, NX), NX);
    ct_tensor *xc = ct_clone(x);
    assert_ptr_equal(c->inplace(xc), xc);
    ct_test_expect_vals(xc, want, NX, 1e-15, 0, c->name, __LINE__);
    /* autograd: a non-leaf, PyTorch's name, the out-of-place gradient */
    ct_tensor *a = vec(NX, X, true), *b = vec(NX, X, true);
    ct_tensor *h = ct_mul_scalar(a, 1);
    assert_ptr_equal(c->inplace(h), h);
    if (strcmp(ct_grad_fn_name(h), c->grad_fn))
      fail_msg("%s: grad_fn %s, PyTorch's is %s", c->name, ct_grad_fn_name(h), c->grad_fn);
    ct_test_expect_vals(h, want, NX, 1e-15, 0, c->name, __LINE__);
    assert_int_equal(ct_backward(h, .gradient = ramp_grad(NX)), 0);
    assert_int_equal(ct_backward(c->ref(b), .gradient = ramp_grad(NX)), 0);
    assert_int_equal(ct_to_doubles(ct_grad(b), want, NX), NX);
    ct_test_expect_vals(ct_grad(a), want, NX, 1e-12, 1e-14, c->name, __LINE__);
    ct_tensor *xg = vec(10, G, true);
    check_grads(run_inplace, &xg, 1, (void *)c, c->name);
    /* a leaf that requires grad is refused, unchanged */
    expect_error(c->inplace(a), "a leaf Variable that requires grad");
    assert_int_equal(ct_to_doubles(a, got, NX), NX);
    assert_memory_equal(got, X, sizeof X);
    ct_scope_end();
  }
}

/* PyTorch cannot differentiate the in-place forms saved with a negative slope */
static void test_inplace_negative_slope(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = vec(NX, X, true);
  ct_tensor *h = ct_leaky_relu_(ct_mul_scalar(a, 1), .negative_slope = -0.1);
  assert_non_null(h);
  expect_fail(ct_backward(ct_sum(h)), "In-place leakyReLu backward calculation is triggered with a negative slope");
  h = ct_elu_(ct_mul_scalar(a, 1), .alpha = -1);
  assert_non_null(h);
  expect_fail(ct_backward(ct_sum(h)), "In-place elu backward calculation is triggered with a negative slope");
  ct_scope_end();
}

static void test_grad_fn_names(void **state) {
  (void)state;
  static const struct {
    const char *name, *grad_fn;
  } want[] = {{"relu6", "HardtanhBackward0"},     {"hardtanh", "HardtanhBackward0"},
              {"threshold", "ThresholdBackward0"}, {"leaky", "LeakyReluBackward0"},
              {"rrelu_eval", "RreluWithNoiseBackward0"}, {"elu", "EluBackward0"},
              {"celu", "CeluBackward0"},           {"selu", "EluBackward0"},
              {"softplus", "SoftplusBackward0"},   {"softshrink", "SoftshrinkBackward0"},
              {"hardshrink", "HardshrinkBackward0"}, {"logsigmoid", "LogSigmoidBackward0"},
              {"hardsigmoid", "HardsigmoidBackward0"}, {"hardswish", "HardswishBackward0"},
              {"mish", "MishBackward0"},           {"softsign", "DivBackward0"},
              {"tanhshrink", "SubBackward0"},      {"softmin", "SoftmaxBackward0"},
              {"glu", "GluBackward0"},             {"prelu1", "PreluBackward0"}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    size_t k = 0;
    while (strcmp(CASES[k].name, want[i].name)) k++;
    ct_scope_begin();
    ct_tensor *y = CASES[k].fn(vec(NX, X, true));
    if (strcmp(ct_grad_fn_name(y), want[i].grad_fn))
      fail_msg("%s: grad_fn %s, PyTorch's is %s", want[i].name, ct_grad_fn_name(y), want[i].grad_fn);
    ct_scope_end();
  }
}

static void test_int_inputs(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *xi = ct_tensor_from((int64_t[]){1, -2, 3}, CT_INT64, 1, (int64_t[]){3});
  ct_tensor *r = ct_relu6(xi);
  assert_int_equal(ct_dtype_of(r), CT_INT64);
  expect_exact(r, 1, 0, 3);
  expect_exact(ct_hardtanh(xi), 1, -1, 1);
  expect_exact(ct_threshold(xi, 1, 5), 5, 5, 3);
  r = ct_softsign(xi);
  assert_int_equal(ct_dtype_of(r), CT_FLOAT32);
  ct_test_expect_vals(r, CT_DOUBLES(0.5, -2.0 / 3, 0.75), 1e-7, 0, "softsign", __LINE__);
  ct_test_expect_vals(ct_tanhshrink(xi), CT_DOUBLES(0.2384058833, -1.0359724760, 2.0049452782), 1e-6, 0, "tanhshrink", __LINE__);
  static const struct {
    unary_fn fn;
    const char *msg;
  } bad[] = {{a_leaky, "\"leaky_relu_cpu\" not implemented for 'Long'"},
             {a_rrelu_eval, "\"leaky_relu_cpu\" not implemented for 'Long'"},
             {a_elu, "\"elu_cpu\" not implemented for 'Long'"},
             {a_selu, "\"elu_cpu\" not implemented for 'Long'"},
             {a_celu, "\"elu_cpu\" not implemented for 'Long'"},
             {a_mish, "\"mish_cpu\" not implemented for 'Long'"},
             {a_hardsigmoid, "\"hardsigmoid_cpu\" not implemented for 'Long'"},
             {a_hardswish, "\"hardswish_cpu\" not implemented for 'Long'"},
             {a_softplus, "\"softplus_cpu\" not implemented for 'Long'"},
             {a_softshrink, "\"softshrink_cpu\" not implemented for 'Long'"},
             {a_hardshrink, "\"hardshrink_cpu\" not implemented for 'Long'"},
             {a_logsigmoid, "\"log_sigmoid_cpu\" not implemented for 'Long'"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_error(bad[i].fn(xi), bad[i].msg);
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = vec(6, (double[]){1, 2, 3, 4, 5, 6}, false);
  ct_tensor *x23 = ct_reshape(x, 2, (int64_t[]){2, 3});
  expect_error(ct_softshrink(x, .lambd = -1), "lambda must be greater or equal to 0, but found to be -1.");
  expect_error(ct_celu(x, .alpha = 0), "ZeroDivisionError: alpha cannot be 0 for CELU");
  expect_error(ct_celu_(ct_clone(x), .alpha = 0), "ZeroDivisionError: alpha cannot be 0 for CELU");
  expect_error(ct_rrelu(x, .lower = 0.5, .upper = 0.1), "Lower bound should be less than or equal to the upper bound");
  expect_error(ct_rrelu_(ct_clone(x), .lower = 0.5, .upper = 0.1), "Lower bound should be less than or equal to the upper bound");
  expect_error(ct_rrelu(ct_tensor_from((int64_t[]){1}, CT_INT64, 1, (int64_t[]){1}), .training = true),
               "\"rrelu_with_noise_out_cpu\" not implemented for 'Long'");
  expect_error(ct_prelu(x23, ct_ones(CT_SHAPE(2), .dtype = CT_FLOAT64)),
               "Mismatch of parameter numbers and input channel size. Found parameter numbers = 2 and channel size = 3.");
  expect_error(ct_prelu(x23, ct_ones(CT_SHAPE(3, 1), .dtype = CT_FLOAT64)),
               "prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = 2");
  expect_error(ct_prelu(x23, ct_ones(CT_SHAPE(3))), "expected scalar type");
  expect_error(ct_glu(ct_scalar_tensor(1, CT_FLOAT32), -1), "glu does not support scalars because halving size must be even");
  expect_error(ct_glu(x23, 1), "Halving dimension must be even, but dimension 1 is size 3");
  expect_error(ct_glu(x23, 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error(ct_softmin(x23, 2), "Dimension out of range");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values_and_grads), cmocka_unit_test(test_gradcheck),
      cmocka_unit_test(test_float32),          cmocka_unit_test(test_rrelu_training),
      cmocka_unit_test(test_prelu_glu),        cmocka_unit_test(test_prelu_glu_grads),
      cmocka_unit_test(test_inplace),          cmocka_unit_test(test_inplace_negative_slope),
      cmocka_unit_test(test_grad_fn_names),    cmocka_unit_test(test_int_inputs),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
