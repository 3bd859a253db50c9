"""Parity specs of the margin losses (src/ops/loss_margin.c, loss_multi_margin.c; modules in
src/nn/loss_margin.c, loss_adaptive.c): every loss x its options x every reduction, float32
and float64, gradients of every floating input (targets too where PyTorch gives them), the
legacy size_average / reduce flags, and the module forms (MultiMarginLoss with its weight
buffer, AdaptiveLogSoftmaxWithLoss with its parameters)."""
from gen import T, fn, module

I64 = dict(dt="i64")
REDS = ("mean", "sum", "none")
PM1_5 = [1.0, -1.0, 1.0, -1.0, -1.0]


def pm1(*shape, dt=None):
    """A +-1 target (floating unless dt) of shape, a fixed pattern."""
    n = 1
    for s in shape:
        n *= s
    return T(*shape, data=[(1.0 if (i * 7 + 3) % 3 else -1.0) for i in range(n)], dt=dt)


def classes(n, c):
    return T(n, kind="int", dt="i64", lo=0, hi=c)


# ---- margin_ranking_loss ---------------------------------------------------------------------
for red in REDS:
    fn("red_" + red, "F.margin_ranking_loss", [T(5), T(5), T(5, data=PM1_5)], {"reduction": red})
    fn("margin_" + red, "F.margin_ranking_loss", [T(2, 3), T(2, 3), pm1(2, 3), 0.3], {"reduction": red})
fn("bcast", "F.margin_ranking_loss", [T(3, 1), T(1, 4), pm1(3, 4)], {"margin": 0.5})
fn("int_target", "F.margin_ranking_loss", [T(5), T(5), T(5, data=[1, -1, 1, -1, -1], dt="i64")],
   {"margin": 0.2, "reduction": "none"})
fn("legacy_sum", "F.margin_ranking_loss", [T(5), T(5), T(5, data=PM1_5)], {"size_average": False})
fn("legacy_none", "F.margin_ranking_loss", [T(5), T(5), T(5, data=PM1_5), 0.1, None, False])
fn("seed", "F.margin_ranking_loss", [T(3, data=[0.9, 0.6, 0.8]), T(3, data=[0.3, 0.7, 0.5]),
                                     T(3, data=[1.0, 1.0, 1.0])], {"margin": 0.3})

# ---- hinge_embedding_loss --------------------------------------------------------------------
for red in REDS:
    fn("red_" + red, "F.hinge_embedding_loss", [T(2, 5), pm1(2, 5)], {"reduction": red})
    fn("margin_" + red, "F.hinge_embedding_loss", [T(6), pm1(6), 0.5], {"reduction": red})
fn("mixed_target", "F.hinge_embedding_loss", [T(5), T(5, data=[1.0, -1.0, 0.0, 2.0, 0.5])],
   {"reduction": "none"})
fn("int_target", "F.hinge_embedding_loss", [T(4), T(4, data=[1, -1, -1, 1], dt="i64")], {"margin": 2.0})
fn("bcast", "F.hinge_embedding_loss", [T(3, 4), pm1(4)], {"reduction": "sum"})
fn("legacy", "F.hinge_embedding_loss", [T(5), pm1(5), 1.0, False, True])
fn("seed", "F.hinge_embedding_loss", [T(4, data=[0.8, 1.5, 0.3, 2.0]), T(4, data=[1, -1, 1, -1], dt="i64")],
   {"margin": 1.0})

# ---- cosine_embedding_loss ---------------------------------------------------------------------
for red in REDS:
    fn("red_" + red, "F.cosine_embedding_loss", [T(4, 6), T(4, 6), pm1(4)], {"reduction": red})
    fn("margin_" + red, "F.cosine_embedding_loss", [T(5, 3), T(5, 3), pm1(5), 0.3], {"reduction": red})
fn("neg_margin", "F.cosine_embedding_loss", [T(5, 3), T(5, 3), pm1(5)], {"margin": -0.4})
fn("1d", "F.cosine_embedding_loss", [T(6), T(6), T(data=-1.0)], {"margin": -0.5, "reduction": "none"})
fn("1d_pos", "F.cosine_embedding_loss", [T(6), T(6), T(data=1.0)])
fn("int_target", "F.cosine_embedding_loss", [T(4, 3), T(4, 3), T(4, data=[1, -1, 0, -1], dt="i64")],
   {"reduction": "none"})
fn("legacy", "F.cosine_embedding_loss", [T(4, 6), T(4, 6), pm1(4), 0.1, False])

# ---- triplet_margin_loss ---------------------------------------------------------------------
for red in REDS:
    fn("red_" + red, "F.triplet_margin_loss", [T(4, 5), T(4, 5), T(4, 5)], {"reduction": red})
    fn("swap_" + red, "F.triplet_margin_loss", [T(6, 3), T(6, 3), T(6, 3)],
       {"swap": True, "margin": 2.0, "reduction": red})
fn("p1", "F.triplet_margin_loss", [T(4, 5), T(4, 5), T(4, 5), 1.5, 1])
fn("p3_eps", "F.triplet_margin_loss", [T(4, 5), T(4, 5), T(4, 5)], {"p": 3.0, "eps": 1e-3, "margin": 3.0})
fn("1d", "F.triplet_margin_loss", [T(5), T(5), T(5)], {"margin": 4.0, "reduction": "none"})
fn("3d", "F.triplet_margin_loss", [T(2, 3, 4), T(2, 3, 4), T(2, 3, 4)], {"margin": 3.0, "reduction": "none"})
fn("bcast", "F.triplet_margin_loss", [T(4, 5), T(1, 5), T(4, 5)], {"margin": 3.0})
fn("legacy", "F.triplet_margin_loss", [T(4, 5), T(4, 5), T(4, 5)], {"reduce": False, "margin": 2.5})

# ---- triplet_margin_with_distance_loss (the default distance; callbacks in the unit test) ------
for red in REDS:
    fn("red_" + red, "F.triplet_margin_with_distance_loss", [T(4, 5), T(4, 5), T(4, 5)],
       {"reduction": red, "margin": 2.0})
    fn("swap_" + red, "F.triplet_margin_with_distance_loss", [T(6, 3), T(6, 3), T(6, 3)],
       {"swap": True, "margin": 2.0, "reduction": red})
fn("default", "F.triplet_margin_with_distance_loss", [T(4, 5), T(4, 5), T(4, 5)])
fn("1d", "F.triplet_margin_with_distance_loss", [T(5), T(5), T(5)], {"margin": 3.0})

# ---- multi_margin_loss -----------------------------------------------------------------------
for red in REDS:
    for p in (1, 2):
        fn("p%d_%s" % (p, red), "F.multi_margin_loss", [T(4, 5), classes(4, 5)],
           {"p": p, "margin": 0.9, "reduction": red})
        fn("weight_p%d_%s" % (p, red), "F.multi_margin_loss",
           [T(4, 5), classes(4, 5), p, 1.2, T(5, kind="pos", grad=False)], {"reduction": red})
fn("default", "F.multi_margin_loss", [T(6, 3), classes(6, 3)])
fn("1d", "F.multi_margin_loss", [T(5), T(1, data=[2], dt="i64")], {"reduction": "none"})
fn("1d_0d_target", "F.multi_margin_loss", [T(5), T(data=4, dt="i64")], {"reduction": "none", "p": 2})
fn("legacy", "F.multi_margin_loss", [T(4, 5), classes(4, 5), 1, 1.0, None, False])
fn("seed", "F.multi_margin_loss", [T(1, 4, data=[0.1, 0.2, 0.4, 0.8]), T(1, data=[3], dt="i64")])

# ---- multilabel_margin_loss --------------------------------------------------------------------
MLM_T = [[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [4, 4, -1, 0, 0]]
for red in REDS:
    fn("red_" + red, "F.multilabel_margin_loss", [T(4, 5, kind="unit"), T(4, 5, data=MLM_T, dt="i64")],
       {"reduction": red})
fn("1d", "F.multilabel_margin_loss", [T(5, kind="unit"), T(5, data=[2, 0, -1, 3, 3], dt="i64")],
   {"reduction": "none"})
fn("legacy", "F.multilabel_margin_loss", [T(4, 5, kind="unit"), T(4, 5, data=MLM_T, dt="i64"), False])
fn("seed", "F.multilabel_margin_loss", [T(1, 4, data=[0.1, 0.2, 0.4, 0.8]),
                                        T(1, 4, data=[3, 0, -1, 1], dt="i64")])

# ---- modules ---------------------------------------------------------------------------------
module("basic", "MarginRankingLoss", [], {}, [(5,), (5,), T(5, data=PM1_5)])
module("margin_sum", "MarginRankingLoss", [0.3], {"reduction": "sum"}, [(2, 3), (2, 3), pm1(2, 3)])
module("legacy", "MarginRankingLoss", [0.1, None, False], {}, [(5,), (5,), T(5, data=PM1_5)])
module("basic", "HingeEmbeddingLoss", [], {}, [(2, 5), pm1(2, 5)])
module("margin_none", "HingeEmbeddingLoss", [0.5], {"reduction": "none"}, [(6,), pm1(6)])
module("basic", "CosineEmbeddingLoss", [], {}, [(4, 6), (4, 6), pm1(4)])
module("margin_sum", "CosineEmbeddingLoss", [0.2, False], {}, [(5, 3), (5, 3), pm1(5)])
module("basic", "TripletMarginLoss", [], {}, [(4, 5), (4, 5), (4, 5)])
module("opts", "TripletMarginLoss", [2.0, 1.0, 1e-3, True], {"reduction": "none"}, [(4, 5), (4, 5), (4, 5)])
module("basic", "TripletMarginWithDistanceLoss", [], {"margin": 2.0}, [(4, 5), (4, 5), (4, 5)])
module("swap_sum", "TripletMarginWithDistanceLoss", [], {"swap": True, "margin": 2.0, "reduction": "sum"},
       [(4, 5), (4, 5), (4, 5)])
module("basic", "MultiMarginLoss", [], {}, [(4, 5), classes(4, 5)])
module("p2_none", "MultiMarginLoss", [2, 0.7], {"reduction": "none"}, [(4, 5), classes(4, 5)])
module("basic", "MultiLabelMarginLoss", [], {}, [T(4, 5, kind="unit"), T(4, 5, data=MLM_T, dt="i64")])
module("none", "MultiLabelMarginLoss", [], {"reduction": "none"},
       [T(4, 5, kind="unit"), T(4, 5, data=MLM_T, dt="i64")])
# AdaptiveLogSoftmaxWithLoss: forward's (output, loss); every cluster hit, a shortlist-only batch,
# an unbatched input, head_bias, div_value, a cluster projection of width 0 (8 // 4**2 == 0)
module("basic", "AdaptiveLogSoftmaxWithLoss", [8, 10, [4, 7]], {},
       [(6, 8), T(6, data=[0, 5, 9, 3, 7, 4], dt="i64")])
module("head_bias", "AdaptiveLogSoftmaxWithLoss", [6, 12, (3, 6, 9)], {"div_value": 2.0, "head_bias": True},
       [(7, 6), T(7, data=[0, 11, 3, 6, 9, 2, 8], dt="i64")])
module("shortlist", "AdaptiveLogSoftmaxWithLoss", [5, 8, [4]], {}, [(4, 5), T(4, data=[0, 1, 3, 2], dt="i64")])
module("unbatched", "AdaptiveLogSoftmaxWithLoss", [8, 10, [4, 7]], {}, [(8,), T(data=8, dt="i64")])
module("zero_width", "AdaptiveLogSoftmaxWithLoss", [8, 10, [4, 6]], {},
       [(5, 8), T(5, data=[0, 5, 9, 7, 4], dt="i64")])


# ---- modules with a tensor constructor argument (a T in module()'s kwargs) --------------------
for red in REDS:
    module("weight_" + red, "MultiMarginLoss", [], {"reduction": red, "weight": T(5, kind="pos")},
           [(4, 5), classes(4, 5)])
module("weight_p2", "MultiMarginLoss", [2, 0.5], {"weight": T(3, kind="pos")}, [(6, 3), classes(6, 3)])
