/* ctorch: PyTorch's torch + autograd in C. Include this one header. */
#ifndef CTORCH_H
#define CTORCH_H
#include "ctorch/core.h"
#include "ctorch/ops.h"
#include "ctorch/autograd.h"
#include "ctorch/io.h"
#endif
