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
