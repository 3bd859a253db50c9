"""Optimizer cases with an LR scheduler (optim-sched): every torch.optim.lr_scheduler class, each
under SGD (momentum: CyclicLR / OneCycleLR cycle it) and Adam (OneCycleLR cycles betas[0]),
over two param groups, "lrs" compared after every step; ReduceLROnPlateau fed a metric
sequence. Callbacks are factor tables (tools/parity/gen_scheduler.py)."""
from gen import optim

SH = [(3,), (2, 2)]
GROUPS = [{"params": [0]}, {"params": [1], "lr": 0.05}]
OPTIMS = [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.1, "betas": [0.9, 0.99]})]


def sched(label, name, kwargs, steps=10, metrics=None, optims=OPTIMS, dts=("f64",), none=()):
    for cls, okw in optims:
        optim("sched_" + label, cls, okw, SH, groups=GROUPS, steps=steps, dts=dts, none=none,
              scheduler={"name": name, "kwargs": kwargs}, metrics=metrics)


SGD = OPTIMS[:1]
ADAM = OPTIMS[1:]

sched("step", "StepLR", {"step_size": 3, "gamma": 0.5}, dts=("f32", "f64"), none=[(2, 0)])
sched("multistep", "MultiStepLR", {"milestones": [2, 5, 5, 8], "gamma": 0.3})
sched("constant", "ConstantLR", {"factor": 0.25, "total_iters": 4}, steps=7)
sched("linear", "LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 5}, steps=8)
sched("exponential", "ExponentialLR", {"gamma": 0.85}, steps=8)
sched("polynomial", "PolynomialLR", {"total_iters": 6, "power": 2.0}, steps=8)
sched("cosine", "CosineAnnealingLR", {"T_max": 4, "eta_min": 0.001}, steps=12, dts=("f32", "f64"))
sched("cosine_long", "CosineAnnealingLR", {"T_max": 3.5}, steps=10)
sched("warm_restarts", "CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.002}, steps=12)
sched("warm_restarts_1", "CosineAnnealingWarmRestarts", {"T_0": 4}, steps=9)
# CyclicLR: SGD cycles momentum; Adam has none (cycle_momentum=False, PyTorch's requirement)
sched("cyclic", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2}, steps=9, optims=SGD)
sched("cyclic_triangular2", "CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, 0.2], "step_size_up": 2,
                                         "step_size_down": 3, "mode": "triangular2"}, steps=12, optims=SGD)
sched("cyclic_exp_range", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range",
                                       "gamma": 0.9, "base_momentum": [0.7, 0.75], "max_momentum": 0.95},
      steps=10, optims=SGD)
sched("cyclic_scale_fn", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2,
                                      "scale_fn": [1.0, 0.5, 0.25], "scale_mode": "iterations"}, steps=8, optims=SGD)
sched("cyclic_no_momentum", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2,
                                         "mode": "triangular2", "cycle_momentum": False}, steps=8)
# OneCycleLR: momentum under SGD, betas[0] under Adam
sched("one_cycle", "OneCycleLR", {"max_lr": 0.5, "total_steps": 10}, steps=10, dts=("f32", "f64"))
sched("one_cycle_three_phase", "OneCycleLR", {"max_lr": [0.5, 0.2], "epochs": 3, "steps_per_epoch": 4,
                                              "three_phase": True, "anneal_strategy": "linear", "pct_start": 0.25,
                                              "div_factor": 10.0, "final_div_factor": 100.0}, steps=12)
sched("one_cycle_fixed_momentum", "OneCycleLR", {"max_lr": 0.3, "total_steps": 8, "cycle_momentum": False,
                                                 "pct_start": 0.5}, steps=8)
sched("one_cycle_momenta", "OneCycleLR", {"max_lr": 0.3, "total_steps": 9, "base_momentum": [0.8, 0.7],
                                          "max_momentum": 0.92}, steps=9)
# ReduceLROnPlateau fed a metric sequence
sched("plateau", "ReduceLROnPlateau", {"factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": [0.01, 0.0]},
      steps=12, metrics=[1.0, 0.9, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.7], dts=("f32", "f64"))
sched("plateau_max_abs", "ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "threshold": 0.05,
                                               "patience": 0, "factor": 0.1, "eps": 1e-3}, steps=8,
      metrics=[1.0, 1.04, 1.1, 1.1, 2.0, 2.0, 2.0, 2.0])
sched("plateau_min_abs", "ReduceLROnPlateau", {"threshold_mode": "abs", "threshold": 0.1, "patience": 2},
      steps=10, metrics=[3.0, 2.95, 2.92, 2.91, 2.7, 2.69, 2.68, 2.67, 2.66, 2.65])
sched("plateau_max_rel", "ReduceLROnPlateau", {"mode": "max", "patience": 1, "factor": 0.3, "cooldown": 2},
      steps=10, metrics=[0.1, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3])
# callbacks as tables; seed 004's warmup (float(step) / float(max(1, 5)), then 1.0)
sched("lambda_warmup", "LambdaLR", {"lr_lambda": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]}, steps=8)
sched("lambda_groups", "LambdaLR", {"lr_lambda": [[0.5, 1.0], [1.0, 0.9, 0.81]]}, steps=5)
sched("multiplicative", "MultiplicativeLR", {"lr_lambda": [1.0, 0.9, 0.8, 0.95]}, steps=7)
sched("sequential", "SequentialLR", {"schedulers": [{"name": "LinearLR", "kwargs": {"start_factor": 0.1,
                                                                                  "total_iters": 3}},
                                                    {"name": "ExponentialLR", "kwargs": {"gamma": 0.9}}],
                                     "milestones": [3]}, steps=8)
sched("sequential_warmup_cosine", "SequentialLR",
      {"schedulers": [{"name": "LambdaLR", "kwargs": {"lr_lambda": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]}},
                      {"name": "CosineAnnealingLR", "kwargs": {"T_max": 6}}], "milestones": [5]}, steps=12)
sched("sequential_three", "SequentialLR",
      {"schedulers": [{"name": "ConstantLR", "kwargs": {"factor": 0.5, "total_iters": 2}},
                      {"name": "CosineAnnealingWarmRestarts", "kwargs": {"T_0": 2}},
                      {"name": "StepLR", "kwargs": {"step_size": 2}}], "milestones": [2, 5]}, steps=9)
sched("chained", "ChainedScheduler",
      {"schedulers": [{"name": "ConstantLR", "kwargs": {"factor": 0.1, "total_iters": 2}},
                      {"name": "ExponentialLR", "kwargs": {"gamma": 0.9}}]}, steps=6)

# A scheduler only sets param_groups[g]["lr"]; these check that every other optimizer reads it
# at each step as PyTorch's does (ASGD's eta, Rprop's step sizes, ... follow the new lr).
OTHERS = [("AdamW", {"lr": 0.05}), ("RMSprop", {"lr": 0.01, "momentum": 0.5}),
          ("Adagrad", {"lr": 0.1}), ("Adadelta", {"lr": 1.0}), ("Adamax", {"lr": 0.05}),
          ("NAdam", {"lr": 0.05}), ("RAdam", {"lr": 0.05}), ("Rprop", {"lr": 0.05}),
          ("ASGD", {"lr": 0.05})]
sched("step_others", "StepLR", {"step_size": 2, "gamma": 0.5}, steps=6, optims=OTHERS)
sched("cosine_others", "CosineAnnealingLR", {"T_max": 4, "eta_min": 0.001}, steps=6, optims=OTHERS)
