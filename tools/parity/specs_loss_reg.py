"""Parity specs of the regression and binary losses (src/ops/loss_reg.c, loss_reg_nll.c,
src/nn/loss_reg.c): every loss x option x reduction, float32 and float64, gradients of input and
of target / var where PyTorch gives them, and the modules (weight / pos_weight buffers built from
tensors given to the constructor: T markers in module()'s kwargs)."""
import torch

from gen import T, fn, module

RED = ("mean", "sum", "none")
_g = torch.Generator().manual_seed(7)


def P(*shape, lo=0.05, hi=0.95, grad=True):
    """Probabilities in (lo, hi), drawn here once (BCE inputs and soft targets)."""
    v = torch.rand(shape, generator=_g, dtype=torch.float64) * (hi - lo) + lo
    return T(*shape, data=v.flatten().tolist(), grad=grad)


# ---- l1, mse, smooth_l1, huber: input and target gradients, broadcasting (PyTorch warns) -------
for r in RED:
    fn(r, "F.l1_loss", [T(3, 4), T(3, 4)], {"reduction": r})
    fn(r, "F.mse_loss", [T(3, 4), T(3, 4)], {"reduction": r})
    fn(r, "F.smooth_l1_loss", [T(3, 4, kind="wide"), T(3, 4)], {"reduction": r})
    fn("beta05_" + r, "F.smooth_l1_loss", [T(3, 4), T(3, 4)], {"reduction": r, "beta": 0.5})
    fn("beta0_" + r, "F.smooth_l1_loss", [T(3, 4), T(3, 4)], {"reduction": r, "beta": 0.0})
    fn(r, "F.huber_loss", [T(3, 4, kind="wide"), T(3, 4)], {"reduction": r})
    fn("delta05_" + r, "F.huber_loss", [T(3, 4), T(3, 4)], {"reduction": r, "delta": 0.5})
    fn("delta2_" + r, "F.huber_loss", [T(2, 3, 2, kind="wide"), T(2, 3, 2)], {"reduction": r, "delta": 2.0})
fn("bcast", "F.l1_loss", [T(3, 1), T(3, 4)])
fn("bcast", "F.mse_loss", [T(3, 4), T(4)], {"reduction": "none"})
fn("bcast", "F.smooth_l1_loss", [T(2, 1, 3), T(4, 1)], {"beta": 0.3})
fn("bcast", "F.huber_loss", [T(3, 4), T(1, 4)], {"reduction": "sum", "delta": 0.7})
fn("0d", "F.mse_loss", [T(), T()])
fn("empty", "F.mse_loss", [T(0, 3), T(0, 3)], {"reduction": "sum"})
fn("legacy_size_average", "F.mse_loss", [T(3, 4), T(3, 4)], {"size_average": False})
fn("legacy_reduce", "F.l1_loss", [T(3, 4), T(3, 4)], {"reduce": False})
fn("positional", "F.huber_loss", [T(3, 4), T(3, 4), "sum", 0.25])

# ---- binary cross entropy --------------------------------------------------------------------
for r in RED:
    fn(r, "F.binary_cross_entropy", [P(3, 4), P(3, 4)], {"reduction": r})
    fn("weight_" + r, "F.binary_cross_entropy", [P(3, 4), P(3, 4)],
       {"weight": T(4, kind="pos", grad=False), "reduction": r})
    fn(r, "F.binary_cross_entropy_with_logits", [T(3, 4, kind="wide"), P(3, 4)], {"reduction": r})
    fn("weight_" + r, "F.binary_cross_entropy_with_logits", [T(3, 4, kind="wide"), P(3, 4)],
       {"weight": T(3, 1, kind="pos", grad=False), "reduction": r})
    fn("pos_weight_" + r, "F.binary_cross_entropy_with_logits", [T(3, 4, kind="wide"), P(3, 4)],
       {"pos_weight": T(4, kind="pos", grad=False), "reduction": r})
    fn("both_" + r, "F.binary_cross_entropy_with_logits", [T(2, 3, 4, kind="wide"), P(2, 3, 4)],
       {"weight": T(4, kind="pos", grad=False), "pos_weight": T(3, 4, kind="pos", grad=False),
        "reduction": r})
fn("clamp", "F.binary_cross_entropy", [T(6, data=[0.0, 1.0, 0.0, 1.0, 0.5, 1e-30]),
                                        T(6, data=[1.0, 0.0, 0.0, 1.0, 0.5, 1.0])],
   {"reduction": "none"}, grad=False)
fn("extreme", "F.binary_cross_entropy_with_logits",
   [T(6, data=[-100.0, 100.0, -30.0, 30.0, 0.0, -1e-3]), T(6, data=[1.0, 0.0, 0.5, 0.25, 1.0, 0.0])],
   {"reduction": "none"})
fn("legacy", "F.binary_cross_entropy", [P(5), P(5)], {"size_average": False})
fn("0d", "F.binary_cross_entropy_with_logits", [T(), T(data=0.3)])

# ---- kl_div, poisson_nll, gaussian_nll ---------------------------------------------------------
for r in RED + ("batchmean",):
    fn(r, "F.kl_div", [T(3, 5), P(3, 5)], {"reduction": r})
    fn("log_target_" + r, "F.kl_div", [T(3, 5), T(3, 5)], {"reduction": r, "log_target": True})
fn("zero_target", "F.kl_div", [T(2, 3), T(2, 3, data=[0.0, 0.5, 0.5, 0.2, 0.0, 0.8], grad=False)],
   {"reduction": "sum"})
for r in RED:
    fn(r, "F.poisson_nll_loss", [T(3, 4), T(3, 4, kind="pos")], {"reduction": r})
    fn("full_" + r, "F.poisson_nll_loss", [T(3, 4), T(3, 4, kind="pos")], {"full": True, "reduction": r})
    fn("rate_" + r, "F.poisson_nll_loss", [T(3, 4, kind="pos"), T(3, 4, kind="pos")],
       {"log_input": False, "reduction": r})
    fn("rate_full_" + r, "F.poisson_nll_loss", [T(3, 4, kind="pos"), T(3, 4, kind="pos")],
       {"log_input": False, "full": True, "eps": 0.1, "reduction": r})
    fn("hetero_" + r, "F.gaussian_nll_loss", [T(4, 3), T(4, 3), T(4, 3, kind="pos")], {"reduction": r})
    fn("homo_" + r, "F.gaussian_nll_loss", [T(4, 3), T(4, 3), T(4, kind="pos")], {"reduction": r})
    fn("homo1_" + r, "F.gaussian_nll_loss", [T(4, 3), T(4, 3), T(4, 1, kind="pos")],
       {"full": True, "reduction": r})
    fn("eps_" + r, "F.gaussian_nll_loss", [T(2, 3, 2), T(2, 3, 2), T(2, 3, 2, kind="pos")],
       {"eps": 1.0, "full": True, "reduction": r})
fn("positional", "F.poisson_nll_loss", [T(3, 4, kind="pos"), T(3, 4, kind="pos"), False, True, None, 1e-3])
fn("legacy", "F.poisson_nll_loss", [T(3, 4), T(3, 4, kind="pos")], {"reduce": False})

# ---- soft margins -------------------------------------------------------------------------------
for r in RED:
    fn(r, "F.soft_margin_loss", [T(3, 4, kind="wide"), T(3, 4, kind="nonzero", grad=False)], {"reduction": r})
    fn(r, "F.multilabel_soft_margin_loss", [T(3, 5, kind="wide"), T(3, 5, kind="int", lo=0, hi=2)],
       {"reduction": r})
    fn("weight_" + r, "F.multilabel_soft_margin_loss", [T(3, 5), P(3, 5)],
       {"weight": T(5, kind="pos"), "reduction": r})
fn("1d", "F.multilabel_soft_margin_loss", [T(5), T(5, kind="int", lo=0, hi=2)])

# ---- the modules ------------------------------------------------------------------------------
for r in RED:
    module(r, "L1Loss", [], {"reduction": r}, [(3, 4), (3, 4)])
    module(r, "MSELoss", [], {"reduction": r}, [(3, 4), (3, 4)])
    module(r, "SmoothL1Loss", [], {"reduction": r, "beta": 0.5}, [(3, 4), (3, 4)])
    module(r, "HuberLoss", [], {"reduction": r, "delta": 0.7}, [(3, 4), (3, 4)])
    module(r, "BCELoss", [], {"reduction": r}, [P(3, 4), P(3, 4)])
    module(r, "BCEWithLogitsLoss", [], {"reduction": r}, [(3, 4), P(3, 4)])
    module(r, "PoissonNLLLoss", [], {"reduction": r, "full": True}, [(3, 4), T(3, 4, kind="pos")])
    module(r, "GaussianNLLLoss", [], {"reduction": r, "eps": 0.1}, [(4, 3), (4, 3), T(4, 1, kind="pos")])
    module(r, "SoftMarginLoss", [], {"reduction": r}, [(3, 4), T(3, 4, kind="nonzero", grad=False)])
    module(r, "MultiLabelSoftMarginLoss", [], {"reduction": r}, [(3, 5), P(3, 5)])
    module("weight_" + r, "BCELoss", [], {"weight": T(4, kind="pos", grad=False), "reduction": r},
           [P(3, 4), P(3, 4)])
    module("weights_" + r, "BCEWithLogitsLoss", [], {"weight": T(3, 1, kind="pos", grad=False),
                                                    "pos_weight": T(4, kind="pos", grad=False),
                                                    "reduction": r}, [(3, 4), P(3, 4)])
    module("weight_" + r, "MultiLabelSoftMarginLoss", [], {"weight": T(5, kind="pos", grad=False),
                                                          "reduction": r}, [(3, 5), P(3, 5)])
for r in RED + ("batchmean",):
    module(r, "KLDivLoss", [], {"reduction": r}, [(3, 5), P(3, 5)])
module("log_target", "KLDivLoss", [], {"reduction": "batchmean", "log_target": True}, [(3, 5), (3, 5)])
module("rate", "PoissonNLLLoss", [False], {"eps": 0.01}, [T(3, 4, kind="pos"), T(3, 4, kind="pos")])
module("full", "GaussianNLLLoss", [], {"full": True}, [(4, 3), (4, 3), T(4, kind="pos")])
module("legacy_sum", "MSELoss", [False], {}, [(3, 4), (3, 4)])
module("legacy_none", "L1Loss", [None, False], {}, [(3, 4), (3, 4)])
module("legacy", "SmoothL1Loss", [], {"size_average": False, "beta": 2.0}, [(3, 4), (3, 4)])
module("legacy", "BCEWithLogitsLoss", [None, None, False], {}, [(3, 4), P(3, 4)])
module("legacy", "KLDivLoss", [], {"reduce": False, "log_target": True}, [(3, 5), (3, 5)])
