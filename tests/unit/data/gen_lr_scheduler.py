#!/usr/bin/python3
"""Writes tests/unit/data/lr_scheduler_expected.h: PyTorch 1.13's learning-rate (and momentum /
beta1) sequences for the scheduler unit tests (tests/unit/test_optim_sched.c), each scheduler
built by name from the same keywords the C test passes to ct_lr_scheduler_create.

    /usr/bin/python3 tests/unit/data/gen_lr_scheduler.py > tests/unit/data/lr_scheduler_expected.h

Callbacks are factor tables (lambda e: t[min(e, len(t) - 1)]), as ctorch's by-name form."""
import warnings

import torch
import torch.optim.lr_scheduler as S

# (label, optimizer, scheduler, kwargs, steps, metrics)
CASES = [
    ("step", "SGD", "StepLR", {"step_size": 3, "gamma": 0.5}, 10, None),
    ("multistep", "SGD", "MultiStepLR", {"milestones": [2, 5, 5, 8], "gamma": 0.3}, 10, None),
    ("constant", "SGD", "ConstantLR", {"factor": 0.25, "total_iters": 4}, 7, None),
    ("linear", "SGD", "LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 5}, 8, None),
    ("exponential", "SGD", "ExponentialLR", {"gamma": 0.85}, 8, None),
    ("polynomial", "SGD", "PolynomialLR", {"total_iters": 6, "power": 2.0}, 8, None),
    ("cosine", "SGD", "CosineAnnealingLR", {"T_max": 4, "eta_min": 0.001}, 14, None),
    ("cosine_float", "Adam", "CosineAnnealingLR", {"T_max": 3.5}, 9, None),
    ("warm", "SGD", "CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.002}, 12, None),
    ("warm1", "SGD", "CosineAnnealingWarmRestarts", {"T_0": 4}, 9, None),
    ("cyclic_tri2", "SGD", "CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, 0.2], "step_size_up": 2,
                                        "step_size_down": 3, "mode": "triangular2"}, 16, None),
    ("cyclic_exp", "SGD", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range",
                                       "gamma": 0.9, "base_momentum": [0.7, 0.75], "max_momentum": 0.95}, 12, None),
    ("cyclic_nomom", "Adam", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2,
                                          "cycle_momentum": False}, 7, None),
    ("cyclic_table", "SGD", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2,
                                         "scale_fn": [1.0, 0.5, 0.25], "scale_mode": "iterations"}, 8, None),
    ("onecycle", "SGD", "OneCycleLR", {"max_lr": 0.5, "total_steps": 10}, 10, None),
    ("onecycle3", "Adam", "OneCycleLR", {"max_lr": [0.5, 0.2], "epochs": 3, "steps_per_epoch": 4,
                                         "three_phase": True, "anneal_strategy": "linear", "pct_start": 0.25,
                                         "div_factor": 10.0, "final_div_factor": 100.0}, 12, None),
    ("plateau", "SGD", "ReduceLROnPlateau", {"factor": 0.5, "patience": 1, "cooldown": 1,
                                             "min_lr": [0.01, 0.0]}, 12,
     [1.0, 0.9, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.7]),
    ("plateau_max_abs", "SGD", "ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "threshold": 0.05,
                                                     "patience": 0, "factor": 0.1, "eps": 1e-3}, 8,
     [1.0, 1.04, 1.1, 1.1, 2.0, 2.0, 2.0, 2.0]),
    ("lambda", "SGD", "LambdaLR", {"lr_lambda": [0.0, 0.25, 0.5, 0.75, 1.0]}, 7, None),
    ("lambda_groups", "SGD", "LambdaLR", {"lr_lambda": [[0.5, 1.0], [1.0, 0.9, 0.81]]}, 5, None),
    ("multiplicative", "SGD", "MultiplicativeLR", {"lr_lambda": [1.0, 0.9, 0.8, 0.95]}, 7, None),
    ("sequential", "SGD", "SequentialLR",
     {"schedulers": [("LinearLR", {"start_factor": 0.1, "total_iters": 3}), ("ExponentialLR", {"gamma": 0.9})],
      "milestones": [3]}, 8, None),
    ("sequential_warm", "SGD", "SequentialLR",
     {"schedulers": [("ConstantLR", {"factor": 0.5, "total_iters": 2}),
                     ("CosineAnnealingWarmRestarts", {"T_0": 2}), ("StepLR", {"step_size": 2})],
      "milestones": [2, 5]}, 9, None),
    ("chained", "SGD", "ChainedScheduler",
     {"schedulers": [("ConstantLR", {"factor": 0.1, "total_iters": 2}), ("ExponentialLR", {"gamma": 0.9})]},
     6, None),
]


def table_fn(t):
    return lambda e: t[min(e, len(t) - 1)]


def make_optim(kind):
    a = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    if kind == "SGD":
        return torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)
    return torch.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, betas=(0.9, 0.99))


def build(opt, name, kw):
    kw = dict(kw)
    if name in ("LambdaLR", "MultiplicativeLR"):
        t = kw["lr_lambda"]
        kw["lr_lambda"] = [table_fn(x) for x in t] if isinstance(t[0], list) else table_fn(t)
    if "scale_fn" in kw:
        t = kw["scale_fn"]
        kw["scale_fn"] = lambda x: t[min(int(x), len(t) - 1)]
    if name in ("SequentialLR", "ChainedScheduler"):
        kw["schedulers"] = [build(opt, n, k) for n, k in kw["schedulers"]]
        if name == "ChainedScheduler":
            return S.ChainedScheduler(**kw)
    return getattr(S, name)(opt, **kw)


def mom(opt, g):
    grp = opt.param_groups[g]
    return grp["betas"][0] if "betas" in grp else grp["momentum"]


def c_values(kw):
    """A C initializer list of ct_value builders for kwargs."""
    out = []

    def val(v):
        if isinstance(v, bool):
            return ["ct_v_bool(%s)" % ("true" if v else "false")]
        if isinstance(v, int):
            return ["ct_v_int(%d)" % v]
        if isinstance(v, float):
            return ["ct_v_float(%r)" % v]
        if isinstance(v, str):
            return ['ct_v_str("%s")' % v]
        if isinstance(v, tuple):  # (name, kwargs): a sub-scheduler
            inner = ['ct_v_str("%s")' % v[0]]
            for k, x in v[1].items():
                first, *rest = val(x)
                inner += ['ct_v_kw("%s", %s)' % (k, first)] + rest
            return ["ct_v_tuple(%d)" % (1 + len(v[1]))] + inner
        items = [val(x) for x in v]
        return ["ct_v_tuple(%d)" % len(v)] + [e for it in items for e in it]
    for k, v in kw.items():
        first, *rest = val(v)
        out += ['ct_v_kw("%s", %s)' % (k, first)] + rest
    return ", ".join(out)


# step(epoch): the closed forms (label, scheduler, kwargs, epochs given in turn)
EPOCH_CASES = [
    ("step", "StepLR", {"step_size": 3, "gamma": 0.5}, [7, 2, 9, 0]),
    ("multistep", "MultiStepLR", {"milestones": [2, 5, 5], "gamma": 0.3}, [6, 1, 5, 3]),
    ("constant", "ConstantLR", {"factor": 0.25, "total_iters": 4}, [3, 4, 9, 0]),
    ("linear", "LinearLR", {"start_factor": 0.2, "total_iters": 5}, [2, 7, 4, 1]),
    ("exponential", "ExponentialLR", {"gamma": 0.85}, [3, 10, 1, 0]),
    ("polynomial", "PolynomialLR", {"total_iters": 6, "power": 0.5}, [2, 9, 5, 1]),
    ("cosine", "CosineAnnealingLR", {"T_max": 4, "eta_min": 0.001}, [3, 6, 1, 11]),
    ("warm", "CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2}, [1.5, 4.25, 10.75, 30.0, 2.0]),
    ("warm1", "CosineAnnealingWarmRestarts", {"T_0": 3}, [1.5, 4.25, 10.75, 7, 2]),
    ("lambda", "LambdaLR", {"lr_lambda": [0.0, 0.25, 0.5, 0.75, 1.0]}, [3, 1, 9]),
]


def epochs_main():
    rows = []
    for label, name, kw, epochs in EPOCH_CASES:
        opt = make_optim("SGD")
        s = build(opt, name, kw)
        lrs = []
        for e in epochs:
            s.step(e)
            lrs += s.get_last_lr()
        arr("EPOCHS_" + label, epochs)
        arr("EPOCH_LRS_" + label, lrs)
        rows.append('    {"%s", "%s", CT_VALUES(%s), %d, EPOCHS_%s, EPOCH_LRS_%s},' % (
            label, name, c_values(kw), len(epochs), label, label))
    print("#define N_EPOCH_CASES %d" % len(rows))
    print("static void epoch_cases(epoch_case *out) {")
    print("  const epoch_case c[] = {")
    print("\n".join(rows))
    print("  };")
    print("  memcpy(out, c, sizeof c);")
    print("}")

def seed_optim():
    """Seed 004's per-layer learning rates: Adam over features (0.001) and classifier (0.01)."""
    feats = [torch.zeros(3, requires_grad=True)]
    cls = [torch.zeros(2, requires_grad=True)]
    return torch.optim.Adam([{"params": feats, "lr": 0.001}, {"params": cls, "lr": 0.01}])


def warmup_scheduler(optimizer, warmup_steps):  # seed 004, verbatim
    def lr_lambda(step):
        if step < warmup_steps:
            return float(step) / float(max(1, warmup_steps))
        return 1.0
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


def plateau_metric(e):
    return max(1.0 - 0.05 * e, 0.3)


def seeds_main():
    runs = []
    o = seed_optim(); runs.append(("seed_step", o, S.StepLR(o, step_size=30, gamma=0.1), 100))
    o = seed_optim(); runs.append(("seed_multistep", o, S.MultiStepLR(o, milestones=[30, 80], gamma=0.1), 100))
    o = seed_optim(); runs.append(("seed_cosine", o, S.CosineAnnealingLR(o, T_max=100), 100))
    o = seed_optim(); runs.append(("seed_plateau", o, S.ReduceLROnPlateau(o, mode="min", factor=0.5), 60))
    o = seed_optim(); runs.append(("seed_warmup", o, warmup_scheduler(o, 5), 8))
    o = seed_optim()
    runs.append(("seed_sequential", o, S.SequentialLR(o, [warmup_scheduler(o, 5), S.CosineAnnealingLR(o, T_max=20)],
                                                        milestones=[5]), 25))
    for label, o, s, n in runs:
        lrs = []
        for e in range(n):
            if label == "seed_plateau":
                s.step(plateau_metric(e))
            else:
                s.step()
            lrs += [g["lr"] for g in o.param_groups]
        print("static const double %s[%d] = {%s};" % (label.upper(), len(lrs), ", ".join("%r" % x for x in lrs)))


def arr(name, xs):
    print("static const double %s[] = {%s};" % (name, ", ".join("%r" % float(x) for x in xs)))


def main():
    warnings.simplefilter("ignore")
    print("/* Generated by tests/unit/data/gen_lr_scheduler.py from PyTorch %s: do not edit. */" % torch.__version__)
    rows = []
    for label, optn, name, kw, steps, metrics in CASES:
        opt = make_optim(optn)
        s = build(opt, name, kw)
        lrs, moms = [], []
        for i in range(steps):
            if metrics:
                s.step(metrics[i])
            else:
                s.step()
            lrs += s._last_lr  # 1.13's ReduceLROnPlateau has no get_last_lr()
            moms += [mom(opt, 0), mom(opt, 1)]
        arr("LRS_" + label, lrs)
        arr("MOMS_" + label, moms)
        if metrics:
            arr("METRICS_" + label, metrics)
        rows.append('    {"%s", "%s", "%s", CT_VALUES(%s), %d, %s, LRS_%s, MOMS_%s},' % (
            label, optn, name, c_values(kw), steps, "METRICS_" + label if metrics else "NULL", label, label))
    print("#define N_SCHED_CASES %d" % len(rows))
    print("/* The cases (ct_values are built at run time: their builders are functions). */")
    print("static void sched_cases(sched_case *out) {")
    print("  const sched_case c[] = {")
    print("\n".join(rows))
    print("  };")
    print("  memcpy(out, c, sizeof c);")
    print("}")

main()
epochs_main()
seeds_main()
