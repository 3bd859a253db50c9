/* Contractions: einsum, tensordot, trace, diag / diagonal / diag_embed / diagflat, movedim,
 * kron. diagonal is a view primitive (DiagonalBackward0, its backward writes the gradient
 * into the diagonal of zeros, itself differentiable); everything else is composed of
 * differentiable ops (view, permute, sum, mul, bmm), so gradients and double backward come
 * from theirs. */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ctorch/linalg.h"

/* ---- diagonal: a view ------------------------------------------------------------------ */
typedef struct {
  int64_t offset, dim1, dim2;
} diag_args;
CT_ARGS_TYPE(diag_args, NULL);

/* view of t's diagonal (offset, d1 < or > d2, already wrapped): the other dims, then the
 * diagonal's length with stride s1 + s2 */
static ct_tensor *diagonal_raw(const ct_tensor *t, int64_t off, int64_t d1, int64_t d2) {
  int64_t a = t->shape[d1], b = t->shape[d2];
  int64_t len = off >= 0 ? (a < b - off ? a : b - off) : (a + off < b ? a + off : b);
  if (len < 0) len = 0;
  int64_t start = t->offset;
  if (len > 0) start += off >= 0 ? off * t->strides[d2] : -off * t->strides[d1];
  int64_t shp[CT_MAX_DIMS], st[CT_MAX_DIMS];
  int nd = 0;
  for (int i = 0; i < t->ndim; i++)
    if (i != d1 && i != d2) {
      shp[nd] = t->shape[i];
      st[nd++] = t->strides[i];
    }
  shp[nd] = len;
  st[nd++] = t->strides[d1] + t->strides[d2];
  return ct__make_view(t, nd, shp, st, start);
}

/* out = diagonal(g) with g of x's shape: gx = diagonal_scatter(zeros, gout) */
static void diag_scatter_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const diag_args *a = CT_ARGS(n, diag_args);
  gi[0] = ct_diagonal(g[0], a->offset, a->dim1, a->dim2);
}

/* zeros(shape) with v written on its (off, d1, d2) diagonal; differentiable in v (backward:
 * the diagonal of the gradient). v has the diagonal view's shape. */
static ct_tensor *diag_scatter(const ct_tensor *v, int nd, const int64_t *shape, int64_t off,
                               int64_t d1, int64_t d2, const char *name) {
  ct_tensor *z = ct_zeros_ex(nd, shape, CT_TENSOR_OPTS(.dtype = v->dtype));
  if (!z) return NULL;
  ct_tensor *dv = diagonal_raw(z, off, d1, d2);
  if (!dv) return NULL;
  ct__copy_into(dv, v);
  ct_node *n = ct__node_new(name, diag_scatter_backward, 1, (ct_tensor *const[]){(ct_tensor *)v}, 1);
  if (n) {
    *CT_NEW_ARGS(n, diag_args) = (diag_args){off, d1, d2};
    ct__set_history(z, n, 0);
  }
  return z;
}

/* out = diagonal(x, off, d1, d2): gx = zeros(x.shape) with g on that diagonal */
static void diagonal_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const diag_args *a = CT_ARGS(n, diag_args);
  gi[0] = diag_scatter(g[0], n->in[0].ndim, n->in[0].shape, a->offset, a->dim1, a->dim2,
                       "DiagonalBackwardBackward0");
}

ct_tensor *ct_diagonal(const ct_tensor *t, int64_t offset, int64_t dim1, int64_t dim2) {
  if (!t) return NULL;
  int64_t d1 = ct__wrap_dim(dim1, t->ndim), d2 = ct__wrap_dim(dim2, t->ndim);
  if (d1 < 0 || d2 < 0) return NULL;
  if (d1 == d2)
    return ct__err("diagonal dimensions cannot be identical %lld, %lld", (long long)dim1, (long long)dim2);
  ct_tensor *out = diagonal_raw(t, offset, d1, d2);
  if (!out) return NULL;
  ct_node *n = ct__node_new("DiagonalBackward0", diagonal_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    *CT_NEW_ARGS(n, diag_args) = (diag_args){offset, d1, d2};
    ct__set_history(out, n, 0);
  }
  return out;
}

ct_tensor *ct_diag_embed(const ct_tensor *t, int64_t offset, int64_t dim1, int64_t dim2) {
  if (!t) return NULL;
  if (t->ndim + 1 > CT_MAX_DIMS) return ct__err("diag_embed: too many dims");
  int nd = t->ndim + 1;
  int64_t d1 = ct__wrap_dim(dim1, nd), d2 = ct__wrap_dim(dim2, nd);
  if (d1 < 0 || d2 < 0) return NULL;
  if (d1 == d2)
    return ct__err("diagonal dimensions cannot be identical %lld, %lld", (long long)dim1, (long long)dim2);
  int64_t last = t->ndim ? t->shape[t->ndim - 1] : 1, side, shp[CT_MAX_DIMS];
  if (offset < -INT64_MAX || __builtin_add_overflow(last, offset < 0 ? -offset : offset, &side))
    return ct__err("diag_embed: offset %lld is too large", (long long)offset);
  /* the output's dims: t's leading dims in order around d1 and d2 */
  for (int i = 0, j = 0; i < nd; i++) shp[i] = i == d1 || i == d2 ? side : t->shape[j++];
  ct_tensor *v = t->ndim ? (ct_tensor *)t : ct_reshape(t, 1, (int64_t[]){1});
  return diag_scatter(v, nd, shp, offset, d1, d2, "DiagEmbedBackward0");
}

ct_tensor *ct_diag(const ct_tensor *t, int64_t diagonal) {
  if (!t) return NULL;
  if (t->ndim != 1 && t->ndim != 2) return ct__err("matrix or a vector expected");
  CT_OP_BEGIN();
  ct_tensor *out = t->ndim == 1 ? ct_diag_embed(t, diagonal, 0, 1) : ct_clone(ct_diagonal(t, diagonal, 0, 1));
  if (out) ct__set_grad_fn_name(out, "DiagBackward0");
  return ct__op_end(out);
}

ct_tensor *ct_diagflat(const ct_tensor *t, int64_t offset) {
  if (!t) return NULL;
  CT_OP_BEGIN();
  return ct__op_end(ct_diag(ct_reshape(t, 1, (int64_t[]){-1}), offset));
}

ct_tensor *ct_trace(const ct_tensor *t) {
  if (!t) return NULL;
  if (t->ndim != 2) return ct__err("trace: expected a matrix, but got tensor with dim %d", t->ndim);
  CT_OP_BEGIN();
  ct_tensor *out = ct_sum(ct_diagonal(t, 0, 0, 1));
  if (out) ct__set_grad_fn_name(out, "TraceBackward0");
  return ct__op_end(out);
}

/* ---- movedim ---------------------------------------------------------------------------- */
ct_tensor *ct_movedim(const ct_tensor *t, int n, const int64_t *source, const int64_t *destination) {
  if (!t) return NULL;
  if (n < 0 || (n > 0 && (!source || !destination))) return ct__err("movedim: NULL dims");
  if (n > (t->ndim ? t->ndim : 1))
    return ct__err("movedim: Invalid source or destination dims: source (%s dims) should contain "
                   "the same number of dims as destination (%s dims)", SHP(0, n, source), SHP(1, n, destination));
  int64_t src[CT_MAX_DIMS], dst[CT_MAX_DIMS], perm[CT_MAX_DIMS];
  bool sseen[CT_MAX_DIMS] = {0}, dseen[CT_MAX_DIMS] = {0};
  for (int i = 0; i < n; i++) {
    src[i] = ct__wrap_dim(source[i], t->ndim);
    dst[i] = ct__wrap_dim(destination[i], t->ndim);
    if (src[i] < 0 || dst[i] < 0) return NULL;
  }
  for (int i = 0; i < n; i++) {
    if (sseen[src[i]]) return ct__err("movedim: repeated dim in `source` (%s)", SHP(0, n, source));
    sseen[src[i]] = true;
  }
  for (int i = 0; i < n; i++) {
    if (dseen[dst[i]]) return ct__err("movedim: repeated dim in `destination` (%s)", SHP(0, n, destination));
    dseen[dst[i]] = true;
  }
  if (t->ndim == 0) return ct_permute(t, 0, NULL);
  for (int i = 0; i < t->ndim; i++) perm[i] = -1;
  for (int i = 0; i < n; i++) perm[dst[i]] = src[i];
  /* the dims not moved keep their order in the free slots */
  for (int i = 0, s = 0; i < t->ndim; i++) {
    if (perm[i] >= 0) continue;
    while (sseen[s]) s++;
    perm[i] = s++;
  }
  return ct_permute(t, t->ndim, perm);
}

/* The same-length check comes first in PyTorch, so it is repeated here for lists. */
ct_tensor *ct_movedim_list(const ct_tensor *t, int nsrc, const int64_t *source, int ndst,
                           const int64_t *destination) {
  if (!t) return NULL;
  if (nsrc != ndst)
    return ct__err("movedim: Invalid source or destination dims: source (%s dims) should contain "
                   "the same number of dims as destination (%s dims)", SHP(0, nsrc, source),
                   SHP(1, ndst, destination));
  return ct_movedim(t, nsrc, source, destination);
}

ct_tensor *ct_swapaxes(const ct_tensor *t, int64_t axis0, int64_t axis1) { return ct_transpose(t, axis0, axis1); }
ct_tensor *ct_swapdims(const ct_tensor *t, int64_t dim0, int64_t dim1) { return ct_transpose(t, dim0, dim1); }

/* ---- einsum ------------------------------------------------------------------------------ *
 * Labels: A-Z -> 0..25, a-z -> 26..51 (PyTorch's order, which sorts the implicit output),
 * the dims an ellipsis covers -> 52 + j. Each operand is carried as a tensor and the label of
 * each of its dims; dims of size 1 are dropped (they broadcast), a label only one operand has
 * and the output lacks is summed out first, then the operands are contracted pairwise left to
 * right: labels both share and later need are the batch of one bmm, labels only one side
 * keeps are its rows / columns, labels both share and nobody needs later are the inner dim. */
#define EIN_LETTERS 52
#define EIN_ALL (EIN_LETTERS + CT_MAX_DIMS)
#define EIN_ELL 255

typedef struct {
  ct_tensor *t;
  int n;
  uint8_t lab[CT_MAX_DIMS];
} ein_op;

static int ein_sub(unsigned char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : c - 'a' + 26; }
static char ein_char(int s) { return (char)(s < 26 ? 'A' + s : 'a' + s - 26); }
static bool ein_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

typedef struct {
  int nops;
  uint8_t (*lab)[CT_MAX_DIMS + 1]; /* per operand, the ellipsis as EIN_ELL */
  int *nlab;                       /* labels given (counting the ellipsis), may exceed the store */
  bool *has_ell;
  int count[EIN_LETTERS];          /* operands naming each letter (repeats count) */
  int ell_dims;                    /* dims the widest ellipsis covers */
  int out[EIN_ALL], nout;          /* output labels in order */
} ein_eq;

static int ein_parse_lhs(const char *eq, size_t lhs_len, ein_eq *e) {
  int op = 0;
  bool ell = false;
  for (size_t i = 0; i < lhs_len; i++) {
    unsigned char c = (unsigned char)eq[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (ell) return ct__errs("einsum(): found '.' for operand %d for which an ellipsis was already found", op);
      if (!(i + 2 < lhs_len && eq[i + 1] == '.' && eq[i + 2] == '.'))
        return ct__errs("einsum(): found '.' for operand %d that is not part of any ellipsis", op);
      i += 2;
      ell = true;
      e->has_ell[op] = true;
      if (e->nlab[op] <= CT_MAX_DIMS) e->lab[op][e->nlab[op]] = EIN_ELL;
      e->nlab[op]++;
    } else if (c == ',') {
      if (++op >= e->nops) return ct__errs("einsum(): fewer operands were provided than specified in the equation");
      ell = false;
    } else if (!ein_alpha(c)) {
      return ct__errs("einsum(): invalid subscript given at index %zu in the equation string, "
                      "subscripts must be in [a-zA-Z]", i);
    } else {
      if (e->nlab[op] <= CT_MAX_DIMS) e->lab[op][e->nlab[op]] = (uint8_t)ein_sub(c);
      e->nlab[op]++;
      e->count[ein_sub(c)]++;
    }
  }
  if (op != e->nops - 1) return ct__errs("einsum(): more operands were provided than specified in the equation");
  return 0;
}

static int ein_check_ranks(ct_tensor *const *ops, ein_eq *e) {
  for (int i = 0; i < e->nops; i++) {
    int nl = e->nlab[i] - e->has_ell[i], nd = ops[i]->ndim;
    if (e->has_ell[i] ? nl > nd : nl != nd)
      return ct__errs("einsum(): the number of subscripts in the equation (%d) %s the number of "
                      "dimensions (%d) for operand %d%s", nl,
                      e->has_ell[i] ? "is more than" : "does not match", nd, i,
                      e->has_ell[i] ? "" : " and no ellipsis was given");
    if (e->has_ell[i] && nd - nl > e->ell_dims) e->ell_dims = nd - nl;
  }
  return 0;
}

static int ein_parse_rhs(const char *rhs, size_t base, ein_eq *e) {
  bool seen[EIN_LETTERS] = {0}, ell = false;
  for (size_t i = 0; rhs[i]; i++) {
    unsigned char c = (unsigned char)rhs[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (ell) return ct__errs("einsum(): found '.' for output but an ellipsis (...) was already found");
      if (!(rhs[i + 1] == '.' && rhs[i + 2] == '.'))
        return ct__errs("einsum(): found '.' for output that is not part of any ellipsis (...)");
      i += 2;
      ell = true;
      for (int j = 0; j < e->ell_dims; j++) e->out[e->nout++] = EIN_LETTERS + j;
    } else if (!ein_alpha(c)) {
      return ct__errs("einsum(): invalid subscript given at index %zu in the equation string, "
                      "subscripts must be in [a-zA-Z]", base + i);
    } else {
      int s = ein_sub(c);
      if (!e->count[s] || seen[s])
        return ct__errs("einsum(): output subscript %c %s", c,
                        seen[s] ? "appears more than once in the output"
                                : "does not appear in the equation for any input operand");
      seen[s] = true;
      e->out[e->nout++] = s;
    }
  }
  return 0;
}

/* Each operand's dims as labels (ellipsis dims as 52 + j, right-aligned in the widest), sizes
 * checked against the other operands (1 broadcasts) and between repeats, in PyTorch's order. */
static int ein_label_dims(ct_tensor *const *ops, const ein_eq *e, uint8_t (*dl)[CT_MAX_DIMS]) {
  int64_t size[EIN_ALL];
  for (int s = 0; s < EIN_ALL; s++) size[s] = 1;
  for (int i = 0; i < e->nops; i++) {
    const ct_tensor *t = ops[i];
    int d = 0, first[EIN_ALL];
    for (int s = 0; s < EIN_ALL; s++) first[s] = -1;
    for (int k = 0; k < e->nlab[i]; k++) {
      if (e->lab[i][k] == EIN_ELL) {
        int cover = t->ndim - (e->nlab[i] - 1);
        for (int j = e->ell_dims - cover; j < e->ell_dims; j++, d++) {
          int64_t sz = t->shape[d];
          if (sz != 1) {
            if (size[EIN_LETTERS + j] != 1 && size[EIN_LETTERS + j] != sz)
              return ct__errs("einsum(): dimension %d covered by ellipsis in operand %dhas size %lld "
                              "which does not broadcast with previously seen ellipsis with size %lld "
                              "for the respective dimension", d, i, (long long)sz,
                              (long long)size[EIN_LETTERS + j]);
            size[EIN_LETTERS + j] = sz;
          }
          dl[i][d] = (uint8_t)(EIN_LETTERS + j);
        }
        continue;
      }
      int s = e->lab[i][k];
      int64_t sz = t->shape[d];
      if (first[s] < 0) {
        if (sz != 1) {
          if (size[s] != 1 && size[s] != sz)
            return ct__errs("einsum(): subscript %c has size %lld for operand %d which does not "
                            "broadcast with previously seen size %lld", ein_char(s), (long long)sz, i,
                            (long long)size[s]);
          size[s] = sz;
        }
        first[s] = d;
      } else if (sz != t->shape[first[s]]) {
        return ct__errs("einsum(): subscript %c is repeated for operand %d but the sizes don't "
                        "match, %lld != %lld", ein_char(s), i, (long long)sz,
                        (long long)t->shape[first[s]]);
      }
      dl[i][d++] = (uint8_t)s;
    }
  }
  return 0;
}

static int ein_find(const ein_op *o, int s) {
  for (int k = 0; k < o->n; k++)
    if (o->lab[k] == s) return k;
  return -1;
}

/* Repeated labels -> diagonals (appended last), size-1 dims dropped. */
static int ein_prepare(ein_op *o) {
  for (int i = 0; i < o->n; i++)
    for (int j = i + 1; j < o->n; j++)
      if (o->lab[i] == o->lab[j]) {
        uint8_t s = o->lab[i];
        o->t = ct_diagonal(o->t, 0, i, j);
        if (!o->t) return -1;
        int m = 0;
        for (int k = 0; k < o->n; k++)
          if (k != i && k != j) o->lab[m++] = o->lab[k];
        o->lab[m++] = s;
        o->n = m;
        i = -1; /* rescan: labels moved */
        break;
      }
  bool ones = false;
  for (int k = 0; k < o->n; k++) ones |= o->t->shape[k] == 1;
  if (!ones) return 0;
  int64_t shp[CT_MAX_DIMS];
  int m = 0;
  for (int k = 0; k < o->n; k++)
    if (o->t->shape[k] != 1) {
      shp[m] = o->t->shape[k];
      o->lab[m++] = o->lab[k];
    }
  o->n = m;
  o->t = ct_reshape(o->t, m, shp);
  return o->t ? 0 : -1;
}

/* Sums out the dims whose label keep[] lacks. */
static int ein_sum_out(ein_op *o, const bool *keep) {
  ct_dims dims = {0};
  int m = 0;
  uint8_t lab[CT_MAX_DIMS];
  for (int k = 0; k < o->n; k++) {
    if (keep[o->lab[k]]) lab[m++] = o->lab[k];
    else dims.d[dims.n++] = k;
  }
  if (!dims.n) return 0;
  o->t = ct_sum(o->t, .dim = dims);
  memcpy(o->lab, lab, sizeof lab);
  o->n = m;
  return o->t ? 0 : -1;
}

/* t's dims listed in groups g1, g2, g3 as a (n1, n2, n3) tensor, preferring a layout that
 * views t without a copy: (g1, g3, g2) viewed and transposed when that one is contiguous. */
static ct_tensor *ein_as3(const ein_op *o, const int *g, const int *ng) {
  int64_t perm[CT_MAX_DIMS], n3[3] = {1, 1, 1};
  int p = 0;
  for (int k = 0, at = 0; k < 3; k++)
    for (int j = 0; j < ng[k]; j++, at++) {
      perm[p++] = g[at];
      n3[k] *= o->t->shape[g[at]];
    }
  ct_tensor *pt = ct_permute(o->t, o->n, perm);
  if (!pt || ct_is_contiguous(pt)) return ct_reshape(pt, 3, n3);
  /* the other order: g1, g3, g2 */
  int64_t alt[CT_MAX_DIMS];
  int q = 0;
  for (int j = 0; j < ng[0]; j++) alt[q++] = g[j];
  for (int j = 0; j < ng[2]; j++) alt[q++] = g[ng[0] + ng[1] + j];
  for (int j = 0; j < ng[1]; j++) alt[q++] = g[ng[0] + j];
  ct_tensor *at = ct_permute(o->t, o->n, alt);
  if (!at || !ct_is_contiguous(at)) return ct_reshape(pt, 3, n3);
  return ct_transpose(ct_view(at, 3, (int64_t[]){n3[0], n3[2], n3[1]}), 1, 2);
}

/* a * b summed over the labels both have and keep[] lacks; the result's labels: the shared
 * kept ones (batch), a's own, b's own. */
static int ein_pair(ein_op *a, ein_op *b, const bool *keep, ein_op *out) {
  bool in_a[EIN_ALL] = {0}, in_b[EIN_ALL] = {0}, keep_a[EIN_ALL], keep_b[EIN_ALL];
  for (int k = 0; k < a->n; k++) in_a[a->lab[k]] = true;
  for (int k = 0; k < b->n; k++) in_b[b->lab[k]] = true;
  for (int s = 0; s < EIN_ALL; s++) keep_a[s] = keep[s] || in_b[s], keep_b[s] = keep[s] || in_a[s];
  if (ein_sum_out(a, keep_a) || ein_sum_out(b, keep_b)) return -1;
  /* groups by position: a as (lro, lo, sum), b as (lro, sum, ro) */
  int ga[CT_MAX_DIMS], gb[CT_MAX_DIMS], na[3] = {0}, nb[3] = {0}, lro[CT_MAX_DIMS], lo[CT_MAX_DIMS],
      sm[CT_MAX_DIMS], ro[CT_MAX_DIMS];
  for (int k = 0; k < a->n; k++) {
    int s = a->lab[k];
    if (!in_b[s]) lo[na[1]++] = k;
    else if (keep[s]) lro[na[0]++] = k;
    else sm[na[2]++] = k;
  }
  int nro = 0;
  for (int k = 0; k < b->n; k++)
    if (!in_a[b->lab[k]]) ro[nro++] = k;
  out->n = 0;
  int64_t shp[CT_MAX_DIMS];
  if (na[0] + na[1] + nro > CT_MAX_DIMS) return ct__errs("einsum(): too many dimensions in an intermediate product");
  for (int j = 0; j < na[0]; j++) shp[out->n] = a->t->shape[lro[j]], out->lab[out->n++] = a->lab[lro[j]];
  for (int j = 0; j < na[1]; j++) shp[out->n] = a->t->shape[lo[j]], out->lab[out->n++] = a->lab[lo[j]];
  for (int j = 0; j < nro; j++) shp[out->n] = b->t->shape[ro[j]], out->lab[out->n++] = b->lab[ro[j]];
  int p = 0;
  for (int j = 0; j < na[0]; j++) ga[p++] = lro[j];
  for (int j = 0; j < na[1]; j++) ga[p++] = lo[j];
  for (int j = 0; j < na[2]; j++) ga[p++] = sm[j];
  p = 0; /* b in the same label order as a's groups */
  for (int j = 0; j < na[0]; j++) gb[p++] = ein_find(b, a->lab[lro[j]]);
  for (int j = 0; j < na[2]; j++) gb[p++] = ein_find(b, a->lab[sm[j]]);
  for (int j = 0; j < nro; j++) gb[p++] = ro[j];
  nb[0] = na[0], nb[1] = na[2], nb[2] = nro;
  if (na[2] == 0) { /* nothing to sum: a broadcast product (lro, lo, 1...) * (lro, 1..., ro) */
    int64_t pa[CT_MAX_DIMS], pb[CT_MAX_DIMS], sa[CT_MAX_DIMS], sb[CT_MAX_DIMS];
    for (int j = 0; j < na[0] + na[1]; j++) pa[j] = ga[j], sa[j] = shp[j];
    for (int j = 0; j < nro; j++) sa[na[0] + na[1] + j] = 1;
    for (int j = 0; j < na[0]; j++) pb[j] = gb[j], sb[j] = shp[j];
    for (int j = 0; j < na[1]; j++) sb[na[0] + j] = 1;
    for (int j = 0; j < nro; j++) pb[na[0] + j] = gb[na[0] + j], sb[na[0] + na[1] + j] = shp[na[0] + na[1] + j];
    ct_tensor *ta = ct_reshape(ct_permute(a->t, a->n, pa), out->n, sa);
    ct_tensor *tb = ct_reshape(ct_permute(b->t, b->n, pb), out->n, sb);
    out->t = ct_mul(ta, tb);
    return out->t ? 0 : -1;
  }
  ct_tensor *l3 = ein_as3(a, ga, na), *r3 = ein_as3(b, gb, nb);
  out->t = ct_view(ct_bmm(l3, r3), out->n, shp);
  return out->t ? 0 : -1;
}

/* The result's dims in the output order, size-1 output dims put back. */
static ct_tensor *ein_finish(ein_op *r, const ein_eq *e, const int64_t *size, bool fresh) {
  int64_t perm[CT_MAX_DIMS], shp[CT_MAX_DIMS];
  int p = 0;
  bool ident = true;
  for (int j = 0; j < e->nout; j++) {
    int k = ein_find(r, e->out[j]);
    shp[j] = size[e->out[j]];
    if (k < 0) continue;
    ident &= k == p;
    perm[p++] = k;
  }
  ct_tensor *t = r->t;
  if (!ident || !fresh) t = ct_permute(t, r->n, perm);
  if (p != e->nout) t = ct_reshape(t, e->nout, shp);
  return t;
}

static int ein_setup(const char *eq, ct_tensor *const *operands, int n, ein_eq *e) {
  const char *arrow = strstr(eq, "->");
  size_t lhs_len = arrow ? (size_t)(arrow - eq) : strlen(eq);
  if (ein_parse_lhs(eq, lhs_len, e) || ein_check_ranks(operands, e)) return -1;
  if (arrow) return ein_parse_rhs(arrow + 2, lhs_len + 2, e);
  /* implicit output: the ellipsis dims, then the labels named once, in label order */
  for (int j = 0; j < e->ell_dims; j++) e->out[e->nout++] = EIN_LETTERS + j;
  for (int s = 0; s < EIN_LETTERS; s++)
    if (e->count[s] == 1) e->out[e->nout++] = s;
  if (e->nout > CT_MAX_DIMS) return ct__errs("einsum(): the output has %d dims, more than %d", e->nout, CT_MAX_DIMS);
  (void)n;
  return 0;
}

static ct_tensor *ein_run(ct_tensor *const *operands, const ein_eq *e, uint8_t (*dl)[CT_MAX_DIMS]) {
  int n = e->nops;
  int64_t size[EIN_ALL];
  for (int s = 0; s < EIN_ALL; s++) size[s] = 1;
  bool out_lab[EIN_ALL] = {0};
  for (int j = 0; j < e->nout; j++) out_lab[e->out[j]] = true;
  ein_op *o = calloc((size_t)n, sizeof *o);
  int *left = calloc((size_t)n * EIN_ALL, sizeof *left); /* left[i][s]: operands after i naming s */
  ct_tensor *res = NULL;
  if (!o || !left) {
    ct__err("CPU: out of memory");
    goto done;
  }
  for (int i = 0; i < n; i++) {
    o[i].t = operands[i];
    o[i].n = operands[i]->ndim;
    memcpy(o[i].lab, dl[i], sizeof o[i].lab);
    for (int k = 0; k < o[i].n; k++)
      if (o[i].t->shape[k] != 1) size[o[i].lab[k]] = o[i].t->shape[k];
    if (ein_prepare(&o[i])) goto done;
  }
  for (int i = n - 2; i >= 0; i--)
    for (int s = 0; s < EIN_ALL; s++)
      left[i * EIN_ALL + s] = left[(i + 1) * EIN_ALL + s] + (ein_find(&o[i + 1], s) >= 0);
  /* a label only this operand has, and the output lacks, is summed out first */
  bool fresh = false;
  for (int i = 0; i < n; i++) {
    bool keep[EIN_ALL];
    for (int s = 0; s < EIN_ALL; s++) {
      int others = left[i * EIN_ALL + s];
      for (int j = 0; j < i; j++) others += ein_find(&o[j], s) >= 0;
      keep[s] = out_lab[s] || others > 0;
    }
    ct_tensor *before = o[i].t;
    if (ein_sum_out(&o[i], keep)) goto done;
    if (i == 0) fresh = o[0].t != before; /* a lone operand summed: no permute after */
  }
  ein_op acc = o[0];
  for (int i = 1; i < n; i++) {
    bool keep[EIN_ALL];
    for (int s = 0; s < EIN_ALL; s++) keep[s] = out_lab[s] || left[i * EIN_ALL + s] > 0;
    ein_op r;
    if (ein_pair(&acc, &o[i], keep, &r)) goto done;
    acc = r;
    fresh = true;
  }
  res = ein_finish(&acc, e, size, fresh);
done:
  free(o);
  free(left);
  return res;
}

ct_tensor *ct_einsum(const char *equation, ct_tensor *const *operands, int n) {
  ct_dtype h = CT_DTYPE_UNSET; /* float16 / bfloat16 operands: in float32 (half_ops.c) */
  for (int i = 0; operands && i < n && (int)h < 0; i++) h = ct__half_enter(operands[i], NULL, NULL);
  if ((int)h >= 0) {
    ct_tensor *ops32[CT_MAX_DIMS * 4];
    if (n > (int)(sizeof ops32 / sizeof *ops32)) return ct__half_end(ct__err("einsum(): too many operands"), h);
    for (int i = 0; i < n; i++) ops32[i] = ct__f32(operands[i]);
    return ct__half_end(ct_einsum(equation, ops32, n), h);
  }
  if (!equation) return ct__err("einsum(): equation is NULL");
  if (n < 1 || !operands) return ct__err("einsum(): must provide at least one operand");
  for (int i = 0; i < n; i++)
    if (!operands[i]) return NULL;
  ein_eq e = {.nops = n};
  e.lab = calloc((size_t)n, sizeof *e.lab);
  e.nlab = calloc((size_t)n, sizeof *e.nlab);
  e.has_ell = calloc((size_t)n, sizeof *e.has_ell);
  uint8_t(*dl)[CT_MAX_DIMS] = calloc((size_t)n, sizeof *dl);
  ct_tensor *out = NULL;
  if (!e.lab || !e.nlab || !e.has_ell || !dl) ct__err("CPU: out of memory");
  else if (!ein_setup(equation, operands, n, &e) && !ein_label_dims(operands, &e, dl)) {
    CT_OP_BEGIN();
    out = ct__op_end(ein_run(operands, &e, dl));
  }
  free(e.lab);
  free(e.nlab);
  free(e.has_ell);
  free(dl);
  return out;
}

/* ---- tensordot --------------------------------------------------------------------------- */
ct_tensor *ct_tensordot_ex(const ct_tensor *a, const ct_tensor *b, ct_tensordot_opts o) {
  if (!a || !b) return NULL;
  int64_t da[CT_MAX_DIMS], db[CT_MAX_DIMS];
  int nd;
  if (o.dims_a.n || o.dims_b.n) {
    if (o.dims_a.n != o.dims_b.n) return ct__err("both dimension lists should have same length");
    nd = o.dims_a.n;
    for (int i = 0; i < nd; i++) {
      da[i] = o.dims_a.d[i];
      db[i] = o.dims_b.d[i];
    }
  } else {
    if (o.dims < 0) return ct__err("tensordot expects dims >= 0, but got dims=%lld", (long long)o.dims);
    if (o.dims > CT_MAX_DIMS) return ct__err("tensordot: dims=%lld is too many", (long long)o.dims);
    nd = (int)o.dims;
    for (int i = 0; i < nd; i++) {
      da[i] = i - nd;
      db[i] = i;
    }
  }
  bool ca[CT_MAX_DIMS] = {0}, cb[CT_MAX_DIMS] = {0};
  for (int i = 0; i < nd; i++) {
    int64_t x = ct__wrap_dim(da[i], a->ndim), y = ct__wrap_dim(db[i], b->ndim);
    if (x < 0 || y < 0) return NULL;
    if (a->shape[x] != b->shape[y])
      return ct__err("contracted dimensions need to match, but first has size %lld in dim %lld and "
                     "second has size %lld in dim %lld", (long long)a->shape[x], (long long)da[i],
                     (long long)b->shape[y], (long long)db[i]);
    if (ca[x] || cb[y]) return ct__err("tensordot: a dim is contracted twice");
    ca[x] = cb[y] = true;
    da[i] = x;
    db[i] = y;
  }
  /* a as (free, contracted) @ b as (contracted, free), then the free dims unflattened */
  int64_t pa[CT_MAX_DIMS], pb[CT_MAX_DIMS], shp[2 * CT_MAX_DIMS];
  int p = 0, q = 0, ns = 0;
  int64_t m = 1, k = 1, nn = 1;
  for (int i = 0; i < a->ndim; i++)
    if (!ca[i]) pa[p++] = i, m *= a->shape[i], shp[ns++] = a->shape[i];
  for (int i = 0; i < nd; i++) pa[p++] = da[i], k *= a->shape[da[i]], pb[q++] = db[i];
  for (int i = 0; i < b->ndim; i++)
    if (!cb[i]) pb[q++] = i, nn *= b->shape[i], shp[ns++] = b->shape[i];
  if (ns > CT_MAX_DIMS) return ct__err("tensordot: the result would have %d dims, more than %d", ns, CT_MAX_DIMS);
  CT_OP_BEGIN();
  ct_tensor *l = ct_reshape(ct_permute(a, a->ndim, pa), 2, (int64_t[]){m, k});
  ct_tensor *r = ct_reshape(ct_permute(b, b->ndim, pb), 2, (int64_t[]){k, nn});
  return ct__op_end(ct_reshape(ct_mm(l, r), ns, shp));
}

/* ---- kron ------------------------------------------------------------------------------- */
/* out[i*bs + j] = a[i] * b[j] per dim: a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...) */
ct_tensor *ct_kron(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
  if (2 * nd > CT_MAX_DIMS) return ct__err("kron: too many dims (%d)", nd);
  int64_t sa[CT_MAX_DIMS], sb[CT_MAX_DIMS], so[CT_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
    int64_t x = ia >= 0 ? a->shape[ia] : 1, y = ib >= 0 ? b->shape[ib] : 1;
    sa[2 * i] = x, sa[2 * i + 1] = 1;
    sb[2 * i] = 1, sb[2 * i + 1] = y;
    if (__builtin_mul_overflow(x, y, &so[i])) return ct__err("kron: size overflow");
  }
  CT_OP_BEGIN();
  ct_tensor *p = ct_reshape(ct_mul(ct_reshape(a, 2 * nd, sa), ct_reshape(b, 2 * nd, sb)), nd, so);
  if (p) ct__set_grad_fn_name(p, "UnsafeViewBackward0");
  return ct__op_end(p);
}
