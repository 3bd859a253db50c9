"""Optimizer cases of optim-more: RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD,
each option alone and together, param groups with their own options, float32 and float64, steps
where a .grad is None. SparseAdam takes no dense step (1.13 raises: tests/unit/test_optim_more.c
checks the message) and LBFGS needs a closure, which the case format cannot express: both are
tested in tests/unit/test_optim_more.c against PyTorch's numbers (tools/optim_more_ref.py)."""
from gen import optim

SH = [(3, 4), (5,), (2, 1, 3)]  # three parameters of different ranks
GROUPS = [{"params": [0, 2]}, {"params": [1], "lr": 0.005}]
NONE = [(1, 0), (3, 1), (4, 0), (4, 2)]  # (step, parameter) pairs whose .grad is None

# ---- RMSprop --------------------------------------------------------------------------------
optim("plain", "RMSprop", {}, SH)
optim("alpha_eps", "RMSprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-6}, SH, none=NONE)
optim("momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}, SH, none=NONE)
optim("centered", "RMSprop", {"lr": 0.01, "centered": True}, SH)
optim("weight_decay", "RMSprop", {"lr": 0.01, "weight_decay": 0.1}, SH)
optim("all", "RMSprop", {"lr": 0.005, "alpha": 0.95, "eps": 1e-7, "weight_decay": 0.01, "momentum": 0.5,
                         "centered": True, "maximize": True}, SH, none=NONE, steps=8)
optim("groups", "RMSprop", {"lr": 0.01}, SH, none=NONE,
      groups=[{"params": [0], "momentum": 0.9, "centered": True}, {"params": [1, 2], "alpha": 0.5}])

# ---- Adagrad --------------------------------------------------------------------------------
optim("plain", "Adagrad", {}, SH)
optim("lr_decay", "Adagrad", {"lr": 0.1, "lr_decay": 0.1}, SH, none=NONE)
optim("accumulator", "Adagrad", {"lr": 0.05, "initial_accumulator_value": 0.5, "eps": 1e-6}, SH)
optim("all", "Adagrad", {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1,
                         "eps": 1e-8, "maximize": True}, SH, none=NONE, steps=8)
optim("groups", "Adagrad", {"lr": 0.05}, SH, groups=GROUPS, none=NONE)

# ---- Adadelta -------------------------------------------------------------------------------
optim("plain", "Adadelta", {}, SH)
optim("rho_eps", "Adadelta", {"lr": 0.5, "rho": 0.7, "eps": 1e-4}, SH, none=NONE)
optim("all", "Adadelta", {"lr": 2.0, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.1, "maximize": True}, SH,
      none=NONE, steps=8)
optim("groups", "Adadelta", {}, SH, groups=[{"params": [0, 2], "rho": 0.5}, {"params": [1], "lr": 0.1}],
      none=NONE)

# ---- Adamax ---------------------------------------------------------------------------------
optim("plain", "Adamax", {}, SH)
optim("betas", "Adamax", {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-6}, SH, none=NONE)
optim("all", "Adamax", {"lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.1, "maximize": True}, SH,
      none=NONE, steps=8)
optim("groups", "Adamax", {"lr": 0.01}, SH, groups=GROUPS, none=NONE)

# ---- NAdam ----------------------------------------------------------------------------------
optim("plain", "NAdam", {}, SH)
optim("momentum_decay", "NAdam", {"lr": 0.01, "momentum_decay": 0.05}, SH, none=NONE)
optim("all", "NAdam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.1,
                       "momentum_decay": 0.01}, SH, none=NONE, steps=8)
optim("groups", "NAdam", {"lr": 0.01}, SH, groups=GROUPS, none=NONE)

# ---- RAdam: rho_t passes 5 at step 6 with the default beta2, at step 2 with beta2 = 0.6 --------
optim("plain", "RAdam", {}, SH, steps=8)
optim("rectified", "RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "eps": 1e-6}, SH, none=NONE)
optim("all", "RAdam", {"lr": 0.01, "betas": (0.8, 0.7), "weight_decay": 0.1}, SH, none=NONE, steps=8)
optim("groups", "RAdam", {"lr": 0.01}, SH, groups=[{"params": [0], "betas": (0.9, 0.5)}, {"params": [1, 2]}],
      none=NONE, steps=8)

# ---- Rprop ----------------------------------------------------------------------------------
optim("plain", "Rprop", {}, SH, steps=8)
optim("etas", "Rprop", {"lr": 0.05, "etas": (0.3, 1.5)}, SH, none=NONE, steps=8)
optim("step_sizes", "Rprop", {"lr": 0.1, "step_sizes": (0.01, 0.15)}, SH, steps=8)
optim("maximize", "Rprop", {"lr": 0.02, "etas": (0.4, 1.3), "step_sizes": (1e-4, 1.0), "maximize": True},
      SH, none=NONE, steps=8)
optim("groups", "Rprop", {"lr": 0.01}, SH, groups=[{"params": [0, 2], "etas": (0.2, 2.0)}, {"params": [1]}],
      none=NONE)

# ---- ASGD: t0 small so that the averaging (mu != 1) starts within the steps -------------------
optim("plain", "ASGD", {}, SH)
optim("averaging", "ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 2}, SH, none=NONE, steps=8)
optim("all", "ASGD", {"lr": 0.05, "lambd": 0.001, "alpha": 0.9, "t0": 1, "weight_decay": 0.1,
                      "maximize": True}, SH, none=NONE, steps=8)
optim("groups", "ASGD", {"lr": 0.05, "t0": 3}, SH, groups=GROUPS, none=NONE, steps=8)
