"""Parity specs of torch.autograd.functional (src/autograd/functional.c): jacobian, hessian,
vjp, jvp, hvp and vhp of three fixed functions, named "fn:<name>" in the case (gen.CALLABLES)
and written twice, here in Python and in tools/parity/dispatch_autograd.c in C. Without
create_graph the results are compared; with it, the gradients through them too."""
import torch

from gen import CALLABLES, T, fn


def _two(x, y):  # two outputs: a vector and a vector scaled by a sum
    return x * y.exp(), (x * x).sum() * y


def _scalar(x, y):  # a scalar with non-trivial cross terms
    return (x.pow(3) * y.sin()).sum() + (x * y).prod()


def _cube(x):
    return x.pow(3)


CALLABLES.update({"fn:two": _two, "fn:scalar": _scalar, "fn:cube": _cube})
AF = "torch.autograd.functional."


def xy():
    return (T(3), T(3))


fn("two", AF + "jacobian", ["fn:two", xy()])
fn("two_vectorize", AF + "jacobian", ["fn:two", xy()], {"vectorize": True})
fn("cube_graph", AF + "jacobian", ["fn:cube", (T(2, 3),)], {"create_graph": True})
fn("scalar", AF + "hessian", ["fn:scalar", xy()])
fn("scalar_graph", AF + "hessian", ["fn:scalar", xy()], {"create_graph": True})
fn("two", AF + "vjp", ["fn:two", xy(), (T(3), T(3))])
fn("two_graph", AF + "vjp", ["fn:two", xy(), (T(3), T(3))], {"create_graph": True})
fn("two", AF + "jvp", ["fn:two", xy(), (T(3), T(3))])
fn("two_graph", AF + "jvp", ["fn:two", xy(), (T(3), T(3))], {"create_graph": True})
fn("scalar", AF + "hvp", ["fn:scalar", xy(), (T(3), T(3))])
fn("scalar", AF + "vhp", ["fn:scalar", xy(), (T(3), T(3))])
fn("scalar_graph", AF + "vhp", ["fn:scalar", xy(), (T(3), T(3))], {"create_graph": True})
