"""Writes tests/fixtures/pth/optim_resume.pth with PyTorch 1.13 (run with /usr/bin/python3):
a checkpoint taken after 2 steps of Adam (amsgrad, weight decay) and of SGD (Nesterov
momentum), and the parameters 3 steps after resuming, which test_pth_write.c must reproduce
from the checkpoint. The same problem is in tests/pth_write/check_torch_load.py (the reverse
direction). Values are ramps, exact in float32, as in tests/unit/ct_test.h's ramp()."""
import copy
import os
import torch

def ramp(shape, seed):
    n = 1
    for s in shape:
        n *= s
    return ((torch.arange(n) * 7 + seed) % 11 - 5).to(torch.float32).mul(0.25).reshape(shape)

X = ramp((4, 3), 1)

def params():
    return [ramp((2, 3), 0).requires_grad_(), (ramp((2,), 3) + 1).requires_grad_()]

def loss(p):  # ((x @ W^T + b - 1)^2).sum()
    return (X @ p[0].t() + p[1] - 1).square().sum()

def run(opt, p, n):
    for _ in range(n):
        opt.zero_grad()
        loss(p).backward()
        opt.step()

ADAM = dict(lr=0.01, betas=(0.9, 0.99), weight_decay=0.1, amsgrad=True)
SGD = dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)

def main():
    ck = {}
    for name, cls, kw in (("adam", torch.optim.Adam, ADAM), ("sgd", torch.optim.SGD, SGD)):
        p = params()
        opt = cls(p, **kw)
        run(opt, p, 2)
        ck[name + "_model"] = {"weight": p[0].detach().clone(), "bias": p[1].detach().clone()}
        ck[name] = copy.deepcopy(opt.state_dict())  # the live state moves on below
        run(opt, p, 3)
        ck[name + "_expected"] = {"weight": p[0].detach().clone(), "bias": p[1].detach().clone()}
    ck["epoch"] = 3
    ck["loss"] = 0.12
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "pth",
                       "optim_resume.pth")
    torch.save(ck, out)

if __name__ == "__main__":
    main()
