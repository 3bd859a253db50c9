/* torch.linspace's values for float and double, rounded as PyTorch computes them (ct_linspace
 * and torch.histogram's bin edges): a double computation rounded once is an ulp off in about a
 * third of the elements. */
#include "tensor_impl.h"

#include <math.h>

/* o (steps >= 2) = torch.linspace(start, end, steps) in T, rounded as PyTorch 1.13's CPU
 * kernel with AVX2 (what 1.13 dispatches to on this project's x86-64 machines, as
 * torch.__config__.show() says; its DEFAULT and AVX512 kernels round differently): step in T; blocks of 2 x V elements (V = 32 bytes of T), each V-block from
 * a base made with one fused multiply-add (counted from start in the first half, from end
 * in the second) then base + k * step unfused; the tail element by element, fused. Matches
 * torch.linspace bit for bit below 32768 steps (above, PyTorch splits the range among
 * threads). This file is compiled with -ffp-contract=off so that only these fma calls fuse. */
#define LINSPACE(T, FMA)                                                                   \
  void ct__linspace_##T(T *o, T start, T end, int64_t steps) {                        \
    const int64_t V = 32 / (int64_t)sizeof(T), half = steps / 2;                           \
    T step = (end - start) / (T)(steps - 1);                                               \
    int64_t i = 0;                                                                         \
    for (; i + 2 * V <= steps; i += 2 * V)                                                 \
      for (int64_t b = i; b < i + 2 * V; b += V) {                                         \
        T base = b < half ? FMA(step, (T)b, start) : FMA(-step, (T)(steps - b - 1), end);  \
        for (int64_t k = 0; k < V; k++) o[b + k] = base + (T)k * step;                     \
      }                                                                                    \
    for (; i < steps; i++)                                                                 \
      o[i] = i < half ? FMA(step, (T)i, start) : FMA(-step, (T)(steps - i - 1), end);      \
  }
LINSPACE(float, fmaf)
LINSPACE(double, fma)
