"""Optimizer cases of optim-core (SGD, Adam, AdamW): every option alone and together, param
groups with their own options, float32 and float64, steps where a .grad is None."""
from gen import optim

SH = [(3, 4), (5,), (2, 1, 3)]  # three parameters of different ranks
GROUPS = [{"params": [0, 2]}, {"params": [1], "lr": 0.05}]
NONE = [(1, 0), (3, 1), (4, 0), (4, 2)]  # (step, parameter) pairs whose .grad is None

# ---- SGD ----------------------------------------------------------------------------------
optim("plain", "SGD", {"lr": 0.1}, SH)
optim("momentum", "SGD", {"lr": 0.1, "momentum": 0.9}, SH, none=NONE)
optim("dampening", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}, SH)
optim("nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, SH, none=NONE)
optim("weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.01}, SH)
optim("maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True, "weight_decay": 0.1}, SH)
optim("all", "SGD", {"lr": 0.03, "momentum": 0.7, "nesterov": True, "weight_decay": 1e-3,
                     "maximize": True}, SH, none=NONE, steps=8)
optim("groups", "SGD", {"lr": 0.1, "momentum": 0.9}, SH, groups=GROUPS, none=NONE)
optim("groups_opts", "SGD", {"lr": 0.1},
      SH, groups=[{"params": [0], "momentum": 0.9, "nesterov": True},
                  {"params": [1, 2], "lr": 0.01, "weight_decay": 0.1, "dampening": 0.5,
                   "momentum": 0.3}])
optim("positional_lr_int", "SGD", {"lr": 1, "momentum": 0.5}, [(4,)], steps=5)

# ---- Adam / AdamW -------------------------------------------------------------------------
for cls in ("Adam", "AdamW"):
    optim("default", cls, {}, SH)
    optim("lr_betas", cls, {"lr": 0.01, "betas": (0.8, 0.99)}, SH, none=NONE)
    optim("eps", cls, {"lr": 0.02, "eps": 1e-3}, SH)
    optim("weight_decay", cls, {"lr": 0.01, "weight_decay": 0.1}, SH, none=NONE)
    optim("amsgrad", cls, {"lr": 0.01, "amsgrad": True}, SH, none=NONE, steps=8)
    optim("maximize", cls, {"lr": 0.01, "maximize": True, "weight_decay": 0.05}, SH)
    optim("all", cls, {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6, "weight_decay": 0.02,
                       "amsgrad": True, "maximize": True}, SH, none=NONE, steps=10)
    optim("groups", cls, {"lr": 0.01}, SH, none=NONE,
          groups=[{"params": [0], "betas": (0.7, 0.95), "amsgrad": True},
                  {"params": [1, 2], "lr": 0.003, "weight_decay": 0.3, "eps": 1e-4}])
