"""Expected numbers for tests/unit/test_shuffle_distance.c (PyTorch 1.13, /usr/bin/python3):
pixel/channel shuffles of a ramp, distances with gradients for a fixed grad_output, and
gumbel_softmax after torch.manual_seed."""
import torch
import torch.nn.functional as F

D = torch.float64
X = torch.tensor([[0.5, -1.25, 2.0, 0.75], [1.5, 0.25, -0.5, 3.0], [-2.0, 1.0, 0.5, -0.25]], dtype=D)
Y = torch.tensor([[1.0, 0.5, -1.5, 2.0], [0.25, 0.25, 1.75, -1.0], [0.5, -0.5, 0.0, 1.25]], dtype=D)


def emit(name, t):
    print("static const double %s[] = {%s};" % (name, ", ".join(repr(v) for v in t.flatten().tolist())))


r = torch.arange(2 * 8 * 2 * 3, dtype=D).reshape(2, 8, 2, 3)
emit("PS", F.pixel_shuffle(r, 2))
emit("PU", F.pixel_unshuffle(torch.arange(2 * 2 * 4 * 6, dtype=D).reshape(2, 2, 4, 6), 2))
emit("CS", torch.nn.ChannelShuffle(2)(torch.arange(2 * 6 * 2, dtype=D).reshape(2, 6, 2)))


def with_grad(name, f, *xs):
    xs = [x.clone().requires_grad_() for x in xs]
    y = f(*xs)
    y.backward(torch.linspace(-1, 1, y.numel(), dtype=D).reshape(y.shape))
    emit(name, y)
    for i, x in enumerate(xs):
        emit("%s_G%d" % (name, i), x.grad)


with_grad("PD", lambda a, b: F.pairwise_distance(a, b), X, Y)
with_grad("PD_P1_KEEP", lambda a, b: F.pairwise_distance(a, b, 1.0, 1e-3, True), X, Y)
with_grad("PD_INF", lambda a, b: F.pairwise_distance(a, b, float("inf")), X, Y)
with_grad("PD_BCAST", lambda a, b: F.pairwise_distance(a, b, 3.0), X, Y[0])
with_grad("COS", lambda a, b: F.cosine_similarity(a, b), X, Y)
with_grad("COS_D0", lambda a, b: F.cosine_similarity(a, b, 0, 1e-3), X, Y)
with_grad("COS_BCAST", lambda a, b: F.cosine_similarity(a, b, -1), X, Y[1:2])
with_grad("NRM", lambda a: F.normalize(a), X)
with_grad("NRM_P1_D0", lambda a: F.normalize(a, 1.0, 0), X)
with_grad("NRM_INF", lambda a: F.normalize(a, float("inf"), -1, 0.5), X)
for name, p in (("PDIST", 2.0), ("PDIST_P0", 0.0), ("PDIST_P1", 1.0), ("PDIST_P05", 0.5),
                ("PDIST_P15", 1.5), ("PDIST_P3", 3.0), ("PDIST_INF", float("inf"))):
    with_grad(name, lambda a: F.pdist(a, p), X)
torch.manual_seed(3)
emit("GUMBEL", F.gumbel_softmax(X))
torch.manual_seed(3)
emit("GUMBEL_HARD_T", F.gumbel_softmax(X, tau=0.5, hard=True, dim=0))
torch.manual_seed(3)
emit("GUMBEL_F32", F.gumbel_softmax(X.float(), tau=2.0))
