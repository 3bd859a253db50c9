"""Expected numbers for tests/unit/test_nn_init.c: torch.nn.init of PyTorch 1.13 after
torch.manual_seed(seed), printed as C initialisers. Run with /usr/bin/python3."""
import math
import torch
import torch.nn.init as I

CASES = [
    # name, dtype, shape, seed, call
    ("uniform", torch.float32, (3, 5), 1, lambda t: I.uniform_(t, -0.5, 2.0)),
    ("uniform64", torch.float64, (3, 5), 1, lambda t: I.uniform_(t, -0.5, 2.0)),
    ("normal", torch.float32, (4, 5), 2, lambda t: I.normal_(t, 0.5, 2.0)),
    ("normal64", torch.float64, (2, 3), 2, lambda t: I.normal_(t, 0.5, 2.0)),
    ("xavier_uniform", torch.float32, (4, 3, 2), 3, lambda t: I.xavier_uniform_(t, 1.5)),
    ("xavier_normal", torch.float32, (5, 4), 4, lambda t: I.xavier_normal_(t)),
    ("kaiming_uniform", torch.float32, (6, 4), 5, lambda t: I.kaiming_uniform_(t)),
    ("kaiming_uniform_linear", torch.float32, (3, 4), 5, lambda t: I.kaiming_uniform_(t, a=math.sqrt(5))),
    ("kaiming_uniform_out_relu", torch.float64, (3, 2, 2), 6, lambda t: I.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal", torch.float32, (4, 4), 7, lambda t: I.kaiming_normal_(t)),
    ("kaiming_normal_out_tanh", torch.float32, (2, 3, 3), 7, lambda t: I.kaiming_normal_(t, a=0.2, mode="fan_out", nonlinearity="tanh")),
    ("trunc_normal", torch.float32, (4, 5), 8, lambda t: I.trunc_normal_(t)),
    ("trunc_normal64", torch.float64, (4, 5), 8, lambda t: I.trunc_normal_(t, 1.0, 0.5, 0.2, 1.4)),
    ("trunc_normal_tail", torch.float32, (3, 3), 9, lambda t: I.trunc_normal_(t, 0.0, 1.0, 2.5, 4.0)),
    ("orthogonal_tall", torch.float64, (5, 3), 10, lambda t: I.orthogonal_(t)),
    ("orthogonal_wide", torch.float32, (2, 6), 11, lambda t: I.orthogonal_(t, 2.0)),
    ("orthogonal_conv", torch.float32, (4, 2, 3), 12, lambda t: I.orthogonal_(t, 0.5)),
    ("orthogonal_big", torch.float32, (6, 5), 13, lambda t: I.orthogonal_(t)),
    ("sparse", torch.float32, (5, 3), 14, lambda t: I.sparse_(t, 0.4)),
    ("sparse_std", torch.float64, (4, 2), 15, lambda t: I.sparse_(t, 0.5, 1.0)),
    ("eye", torch.float32, (3, 4), 0, lambda t: I.eye_(t)),
    ("dirac", torch.float32, (4, 2, 3), 0, lambda t: I.dirac_(t)),
    ("dirac_groups", torch.float32, (4, 3, 3, 2), 0, lambda t: I.dirac_(t, 2)),
    ("constant", torch.float64, (2, 2), 0, lambda t: I.constant_(t, 0.25)),
]
for name, dt, shape, seed, f in CASES:
    torch.manual_seed(seed)
    t = torch.empty(shape, dtype=dt)
    f(t)
    vals = ", ".join(repr(v) for v in t.flatten().tolist())
    print("static const double E_%s[] = {%s};" % (name.upper(), vals))
for nl, p in [("linear", None), ("conv_transpose2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
    print("/* calculate_gain(%r, %r) = %r */" % (nl, p, I.calculate_gain(nl, p)))
