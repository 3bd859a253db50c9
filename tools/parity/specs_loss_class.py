"""Case specs for the classification losses: F.nll_loss, F.cross_entropy, F.ctc_loss and the
modules CrossEntropyLoss, NLLLoss, CTCLoss (every option x every reduction, float32 and
float64, input gradients)."""
from gen import T, fn, module

IDX = dict(dt="i64")
RED = ("mean", "sum", "none")


def tgt(*shape, hi):
    return T(*shape, kind="int", lo=0, hi=hi, **IDX)


def W(c):
    return T(c, kind="pos", grad=False)


# ---- nll_loss: 1-D, 2-D, K-dim; weight, ignore_index, legacy size_average / reduce ----
for r in RED:
    fn("2d_" + r, "F.nll_loss", [T(4, 5), tgt(4, hi=5)], {"reduction": r})
    fn("weight_" + r, "F.nll_loss", [T(4, 5), tgt(4, hi=5)], {"weight": W(5), "reduction": r})
    fn("ignore_" + r, "F.nll_loss", [T(5, 3), T(5, data=[0, 2, 1, 2, 2], **IDX)],
       {"weight": W(3), "ignore_index": 2, "reduction": r})
    fn("1d_" + r, "F.nll_loss", [T(6), T(data=3, **IDX)], {"reduction": r})
    fn("3d_" + r, "F.nll_loss", [T(2, 4, 3), tgt(2, 3, hi=4)], {"reduction": r})
    fn("4d_" + r, "F.nll_loss", [T(2, 3, 2, 3), tgt(2, 2, 3, hi=3)], {"weight": W(3), "reduction": r})
    fn("5d_" + r, "F.nll_loss", [T(2, 3, 2, 2, 2), tgt(2, 2, 2, 2, hi=3)], {"reduction": r})
fn("ignore_neg", "F.nll_loss", [T(4, 3), T(4, data=[0, -100, 2, -100], **IDX)])
fn("all_ignored", "F.nll_loss", [T(2, 3), T(2, data=[-100, -100], **IDX)], {"reduction": "sum"})
fn("4d_ignore", "F.nll_loss", [T(1, 3, 2, 2), T(1, 2, 2, data=[0, 1, 1, 2], **IDX)], {"ignore_index": 1})
fn("size_average_false", "F.nll_loss", [T(3, 4), tgt(3, hi=4)], {"size_average": False})
fn("reduce_false", "F.nll_loss", [T(3, 4), tgt(3, hi=4)], {"reduce": False})
fn("positional", "F.nll_loss", [T(3, 4), tgt(3, hi=4), W(4), None, 1, None, "sum"])

# ---- cross_entropy: class indices (fused), label smoothing, class probabilities ----------
for r in RED:
    fn("2d_" + r, "F.cross_entropy", [T(4, 5), tgt(4, hi=5)], {"reduction": r})
    fn("weight_" + r, "F.cross_entropy", [T(4, 5), tgt(4, hi=5)], {"weight": W(5), "reduction": r})
    fn("ignore_" + r, "F.cross_entropy", [T(5, 3), T(5, data=[0, 2, 1, 2, 2], **IDX)],
       {"weight": W(3), "ignore_index": 2, "reduction": r})
    fn("1d_" + r, "F.cross_entropy", [T(6), T(data=3, **IDX)], {"reduction": r})
    fn("3d_" + r, "F.cross_entropy", [T(2, 4, 3), tgt(2, 3, hi=4)], {"reduction": r})
    fn("4d_" + r, "F.cross_entropy", [T(2, 3, 2, 3), tgt(2, 2, 3, hi=3)], {"weight": W(3), "reduction": r})
    fn("5d_" + r, "F.cross_entropy", [T(2, 3, 2, 2, 2), tgt(2, 2, 2, 2, hi=3)], {"reduction": r})
    fn("smooth_" + r, "F.cross_entropy", [T(4, 5), tgt(4, hi=5)], {"label_smoothing": 0.2, "reduction": r})
    fn("smooth_weight_ignore_" + r, "F.cross_entropy", [T(5, 4), T(5, data=[0, 3, 1, 3, 2], **IDX)],
       {"label_smoothing": 0.1, "weight": W(4), "ignore_index": 3, "reduction": r})
    fn("smooth_4d_" + r, "F.cross_entropy", [T(2, 3, 2, 2), tgt(2, 2, 2, hi=3)],
       {"label_smoothing": 0.3, "reduction": r})
    fn("probs_" + r, "F.cross_entropy", [T(4, 5), T(4, 5, kind="pos", grad=False)], {"reduction": r})
    fn("probs_weight_" + r, "F.cross_entropy", [T(3, 4), T(3, 4, kind="pos", grad=False)],
       {"weight": W(4), "reduction": r})
    fn("probs_smooth_" + r, "F.cross_entropy", [T(3, 4), T(3, 4, kind="pos", grad=False)],
       {"label_smoothing": 0.25, "weight": W(4), "reduction": r})
    fn("probs_4d_" + r, "F.cross_entropy", [T(2, 3, 2, 2), T(2, 3, 2, 2, kind="pos", grad=False)],
       {"reduction": r})
fn("probs_target_grad", "F.cross_entropy", [T(3, 4), T(3, 4, kind="pos")])
fn("probs_1d", "F.cross_entropy", [T(5), T(5, kind="pos", grad=False)])
fn("wide", "F.cross_entropy", [T(3, 6, kind="wide"), tgt(3, hi=6)])
fn("big_logits", "F.cross_entropy", [T(2, 3, data=[1000.0, 0.0, -1000.0, 50.0, 51.0, 49.0]),
                                     T(2, data=[2, 0], **IDX)])
fn("ignore_neg", "F.cross_entropy", [T(4, 3), T(4, data=[0, -100, 2, -100], **IDX)])
fn("all_ignored", "F.cross_entropy", [T(2, 3), T(2, data=[-100, -100], **IDX)])
fn("smooth_all_ignored", "F.cross_entropy", [T(2, 3), T(2, data=[-100, -100], **IDX)],
   {"label_smoothing": 0.5, "reduction": "sum"})
fn("smooth_one", "F.cross_entropy", [T(3, 4), tgt(3, hi=4)], {"label_smoothing": 1.0})
fn("smooth_1d", "F.cross_entropy", [T(5), T(data=1, **IDX)], {"label_smoothing": 0.2})
fn("size_average_false", "F.cross_entropy", [T(3, 4), tgt(3, hi=4)], {"size_average": False})
fn("reduce_false", "F.cross_entropy", [T(3, 4), tgt(3, hi=4)], {"reduce": False})
fn("positional", "F.cross_entropy", [T(3, 4), tgt(3, hi=4), W(4), None, 1, None, "sum", 0.1])

# ---- ctc_loss -----------------------------------------------------------------------
def LP(t, n, c):
    """log-probabilities (T, N, C): any values work (the gradient formula is PyTorch's)"""
    return T(t, n, c) if n else T(t, c)


def ilens(*v, tensor=False):
    return T(len(v), data=list(v), **IDX) if tensor else list(v)


for r in RED:
    fn("padded_" + r, "F.ctc_loss", [LP(8, 3, 5), T(3, 4, kind="int", lo=1, hi=5, **IDX),
                                     [8, 7, 5], [4, 2, 3]], {"reduction": r})
    fn("concat_" + r, "F.ctc_loss", [LP(7, 2, 4), T(5, data=[1, 2, 2, 3, 1], **IDX),
                                     T(2, data=[7, 6], **IDX), T(2, data=[3, 2], **IDX)], {"reduction": r})
    fn("blank_" + r, "F.ctc_loss", [LP(6, 2, 4), T(2, 3, data=[0, 1, 0, 3, 3, 1], **IDX), [6, 6], [3, 2]],
       {"blank": 2, "reduction": r})
    fn("zero_inf_" + r, "F.ctc_loss", [LP(3, 2, 4), T(2, 3, data=[1, 2, 3, 3, 3, 1], **IDX), [3, 3], [3, 3]],
       {"zero_infinity": True, "reduction": r})
    fn("inf_" + r, "F.ctc_loss", [LP(3, 2, 4), T(2, 3, data=[1, 2, 3, 3, 3, 1], **IDX), [3, 3], [3, 2]],
       {"reduction": r}, grad=False)
    fn("unbatched_" + r, "F.ctc_loss", [LP(6, 0, 4), T(3, data=[1, 3, 3], **IDX), [6], [3]], {"reduction": r})
fn("empty_target", "F.ctc_loss", [LP(5, 2, 3), T(2, 2, data=[1, 2, 0, 0], **IDX), [5, 4], [2, 0]],
   {"reduction": "none"})
fn("repeats", "F.ctc_loss", [LP(9, 1, 3), T(1, 4, data=[1, 1, 2, 2], **IDX), [9], [4]])
fn("unbatched_tensor_lengths", "F.ctc_loss", [LP(6, 0, 4), T(2, data=[1, 3], **IDX),
                                              T(data=6, **IDX), T(data=2, **IDX)])
fn("int32_lengths", "F.ctc_loss", [LP(6, 2, 4), T(2, 2, data=[1, 3, 2, 2], **IDX),
                                   T(2, data=[6, 5], dt="i32"), T(2, data=[2, 2], dt="i32")])
fn("seed", "F.ctc_loss", [LP(20, 4, 10), T(8, data=[1, 2, 3, 4, 5, 6, 7, 8], **IDX), [20] * 4, [2, 2, 2, 2]])
fn("sum_positional", "F.ctc_loss", [LP(6, 2, 5), T(2, 3, kind="int", lo=1, hi=5, **IDX), [6, 6], [3, 1], 0,
                                    "sum", True])


# ---- modules: CrossEntropyLoss, NLLLoss (weight as a buffer), CTCLoss --------------------
# a T in module()'s args / kwargs is a tensor given to the constructor (the weight buffer)
def WM(c):
    return T(c, kind="pos", grad=False)


module("default", "CrossEntropyLoss", [], {}, [(4, 5), tgt(4, hi=5)])
module("weight_ignore_smooth", "CrossEntropyLoss", [WM(5)], {"ignore_index": 1, "label_smoothing": 0.1},
        [(6, 5), T(6, data=[0, 1, 4, 1, 2, 3], **IDX)])
module("weight_kw_sum", "CrossEntropyLoss", [], {"weight": WM(3), "reduction": "sum"},
        [(2, 3, 2, 2), tgt(2, 2, 2, hi=3)])
module("none_3d", "CrossEntropyLoss", [], {"reduction": "none"}, [(2, 4, 3), tgt(2, 3, hi=4)])
module("probs", "CrossEntropyLoss", [], {"label_smoothing": 0.2}, [(3, 4), T(3, 4, kind="pos", grad=False)])
module("size_average", "CrossEntropyLoss", [None, False], {}, [(3, 4), tgt(3, hi=4)])
module("default", "NLLLoss", [], {}, [(4, 5), tgt(4, hi=5)])
module("weight_4d", "NLLLoss", [WM(3)], {"ignore_index": 2}, [(2, 3, 2, 2), tgt(2, 2, 2, hi=3)])
module("reduce_false", "NLLLoss", [], {"reduce": False}, [(3, 4), tgt(3, hi=4)])
module("default", "CTCLoss", [], {}, [(8, 2, 5), T(2, 3, kind="int", lo=1, hi=5, **IDX), [8, 6], [3, 2]])
module("tensor_lengths", "CTCLoss", [], {"reduction": "none"},
        [(7, 2, 4), T(5, data=[1, 2, 2, 3, 1], **IDX), T(2, data=[7, 6], **IDX), T(2, data=[3, 2], **IDX)])
module("blank_zero_inf_sum", "CTCLoss", [1, "sum", True], {},
        [(3, 2, 4), T(2, 3, data=[2, 3, 3, 3, 3, 2], **IDX), [3, 3], [3, 2]])
