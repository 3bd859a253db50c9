"""LR schedulers in "optimizer" cases (PARITY.md, optim-sched): a case whose Case has a
`scheduler` ({"name", "kwargs"}) gets torch.optim.lr_scheduler.<name> built on its optimizer,
stepped after every optimizer step (with `metrics`[s] for ReduceLROnPlateau), and each group's
lr after it written to "lrs". As ctorch's by-name form, lr_lambda / scale_fn are factor tables
(f -> lambda e: f[min(e, len(f) - 1)]; a list of tables: one per group) and SequentialLR /
ChainedScheduler's "schedulers" are {"name", "kwargs"} dicts on the same optimizer."""
import copy
import warnings

import torch.optim.lr_scheduler as S


def table(f):
    return lambda e: f[min(int(e), len(f) - 1)]


def make(opt, spec):
    kw = copy.deepcopy(spec.get("kwargs", {}))
    for key in ("lr_lambda", "scale_fn"):
        if key in kw:
            f = kw[key]
            kw[key] = [table(x) for x in f] if isinstance(f[0], list) else table(f)
    if "schedulers" in kw:
        kw["schedulers"] = [make(opt, s) for s in kw["schedulers"]]
    if spec["name"] == "ChainedScheduler":
        return S.ChainedScheduler(**kw)
    return getattr(S, spec["name"])(opt, **kw)


def build(opt, c):
    spec = getattr(c, "scheduler", None)
    if spec is None:
        return None
    warnings.simplefilter("ignore")  # the deprecation / ordering warnings are not parity
    return make(opt, spec)


def step(sched, opt, c, s):
    metrics = getattr(c, "metrics", None)
    if metrics is not None:
        sched.step(metrics[s])
    else:
        sched.step()
    return [g["lr"] for g in opt.param_groups]


def describe(case, c, lrs):
    case["scheduler"] = c.scheduler
    if getattr(c, "metrics", None) is not None:
        case["metrics"] = c.metrics[:len(lrs)]
    case["lrs"] = lrs
