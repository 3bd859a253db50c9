"""Expected values for tests/unit/test_optim_more.c (torch 1.13): /usr/bin/python3 tools/optim_more_ref.py

Two float64 parameters (ramp(2x3, seed 1), ramp(4, seed 2) as in tests/unit/ct_test.h), four steps with
gradients grad(k, j, i) = ((3 i + 5 k + j) % 7 - 3) / 8, parameter 1's .grad None at step 2; prints
each configuration's parameters after the steps. Then LBFGS on Rosenbrock (x0 = (-1.5, 2.0)) with
and without the strong-Wolfe line search, two step() calls of max_iter 5."""
import torch

torch.set_default_dtype(torch.float32)


def ramp(shape, seed, dt=torch.float64):
    n = 1
    for s in shape:
        n *= s
    v = [((i * 7 + seed) % 11 - 5) * 0.25 for i in range(n)]
    return torch.tensor(v, dtype=dt).reshape(shape)


def grad(k, j, p):
    n = p.numel()
    return torch.tensor([((3 * i + 5 * k + j) % 7 - 3) / 8 for i in range(n)], dtype=p.dtype).reshape(p.shape)


CONFIGS = [
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.05, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1, "momentum": 0.5,
                 "centered": True, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.2, "initial_accumulator_value": 0.5,
                 "eps": 1e-8, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "eps": 1e-6, "weight_decay": 0.1}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.1), "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 1, "weight_decay": 0.1, "maximize": True}),
]


def run(name, kw, dt=torch.float64):
    ps = [ramp((2, 3), 1, dt).requires_grad_(), ramp((4,), 2, dt).requires_grad_()]
    opt = getattr(torch.optim, name)(ps, **kw)
    for k in range(4):
        for j, p in enumerate(ps):
            p.grad = None if (k == 2 and j == 1) else grad(k, j, p)
        opt.step()
    return [v for p in ps for v in p.detach().flatten().tolist()]


def rosen(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def lbfgs(ls, dt=torch.float64):
    x = torch.tensor([-1.5, 2.0], dtype=dt, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=5, history_size=3, line_search_fn=ls)

    def closure():
        opt.zero_grad()
        loss = rosen(x)
        loss.backward()
        return loss

    out = []
    for _ in range(2):
        loss = opt.step(closure)
        st = opt.state[x]
        out.append((float(loss), x.detach().tolist(), st["func_evals"], st["n_iter"]))
    return out


if __name__ == "__main__":
    for name, kw in CONFIGS:
        vals = ", ".join(repr(v) for v in run(name, kw))
        print(f"/* {name} {kw} */\n{{{vals}}},")
    for ls in (None, "strong_wolfe"):
        for dt in (torch.float64, torch.float32):
            print(f"/* LBFGS line_search_fn={ls} {dt}: (loss, x, func_evals, n_iter) per step() */")
            for loss, x, fe, ni in lbfgs(ls, dt):
                print(f"{{{loss!r}, {{{x[0]!r}, {x[1]!r}}}, {fe}, {ni}}},")
