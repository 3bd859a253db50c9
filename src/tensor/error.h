/* The error kit (error.c): recording PyTorch-worded messages, and the shape strings they
 * name. The one internal header the layers above the ops (nn, optim, data) may use besides
 * strbuf.h: they work through the public API otherwise. */
#ifndef CTORCH_TENSOR_ERROR_H
#define CTORCH_TENSOR_ERROR_H

#include "ctorch/core.h"

#include <stddef.h>

/* ---- errors ------------------------------------------------------------------------ */
/* Record an error (printf format) unless one is already recorded; returns NULL so an op
 * can `return ct__err(...)`. */
void *ct__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ct__errs(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* returns -1 */
bool ct__has_error(void);
/* Hold back the handler / abort of errors recorded until the matching end (anomaly mode
 * reports the failing node first); nests. */
void ct__error_defer_begin(void);
void ct__error_defer_end(void);
/* PyTorch's type names: "torch.FloatTensor" */
const char *ct__legacy_type_name(ct_dtype dt);
/* "[2, 3]" into buf */
const char *ct__shape_str(int ndim, const int64_t *shape, char *buf, size_t len);
/* "[2, 3]" in one of 4 thread-local slots, for error messages naming several shapes:
 * SHP(0, a->ndim, a->shape), SHP(1, ...) stay valid together. */
const char *ct__shape_slot(int slot, int ndim, const int64_t *shape);
#define SHP(i, nd, s) ct__shape_slot(i, nd, s)

#endif
