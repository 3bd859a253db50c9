/* torch.nn.utils.rnn: pack_padded_sequence, pad_packed_sequence, pack_sequence, pad_sequence,
 * composed from differentiable ops (narrow, cat, stack, index_select), so gradients flow from
 * the packed data back to the padded input and the other way. */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ctorch.h"

static const ct_packed_sequence no_packed = {0};

/* lengths as int64 values (n of them, malloc'd), with the C++ check's message */
static int64_t *read_lengths(const ct_tensor *lengths, int64_t *n) {
  ct_dtype dt = ct_dtype_of(lengths);
  bool integral = dt == CT_INT64 || dt == CT_INT32 || dt == CT_INT16 || dt == CT_INT8 || dt == CT_UINT8;
  if (!integral || ct_dim(lengths) != 1)
    return ct__err("'lengths' argument should be a 1D CPU int64 tensor, but got %dD cpu %s tensor",
                   ct_dim(lengths), ct_dtype_name(ct_dtype_of(lengths)));
  *n = ct_numel(lengths);
  int64_t *v = malloc(sizeof(int64_t) * (size_t)(*n ? *n : 1));
  if (!v) return ct__err("out of memory");
  for (int64_t i = 0; i < *n; i++)
    v[i] = ct__load_i64(ct__elem_ptr(lengths, (int64_t[]){i}), ct_dtype_of(lengths));
  return v;
}

/* p's tensors moved out of the op's scope, which ends */
static ct_packed_sequence keep_packed(ct_packed_sequence p) {
  if (p.data) {
    ct_keep(p.data), ct_keep(p.batch_sizes);
    if (p.sorted_indices) ct_keep(p.sorted_indices), ct_keep(p.unsorted_indices);
  }
  ct__op_end(NULL);
  return p;
}

static ct_tensor *i64_tensor(const int64_t *v, int64_t n) { return ct_tensor_from(v, CT_INT64, 1, (int64_t[]){n}); }

/* The rows of (T, B, *) input (time-major, batch sorted by decreasing length) as packed data. */
static ct_tensor *pack_rows(const ct_tensor *input, const int64_t *len, int64_t B, int64_t T, int64_t *bs) {
  ct_tensor **rows = malloc(sizeof *rows * (size_t)(T ? T : 1));
  if (!rows) return ct__err("out of memory");
  for (int64_t t = 0; t < T; t++) {
    bs[t] = 0;
    while (bs[t] < B && len[bs[t]] > t) bs[t]++;
    rows[t] = ct_narrow(ct_select(input, 0, t), 0, 0, bs[t]);
  }
  ct_tensor *data = ct_cat(rows, (int)T, 0);
  free(rows);
  ct__set_grad_fn_name(data, "PackPaddedSequenceBackward0");
  return data;
}

ct_packed_sequence ct_pack_padded_sequence(const ct_tensor *input, const ct_tensor *lengths, bool batch_first,
                                           bool enforce_sorted) {
  if (!input || !lengths) return no_packed;
  int64_t B, *len = read_lengths(lengths, &B);
  if (!len) return no_packed;
  ct_packed_sequence p = {0};
  int64_t *order = malloc(sizeof(int64_t) * (size_t)(2 * B + 1)), *inv = order + B;
  CT_OP_BEGIN();
  ct_tensor *x = batch_first && ct_dim(input) >= 2 ? ct_transpose(input, 0, 1) : (ct_tensor *)input;
  if (!order) {
    ct__err("out of memory");
    goto done;
  }
  if (ct_numel(input) == 0) {
    ct__err("Cannot pack empty tensors.");
    goto done;
  }
  if (ct_dim(x) < 2 || ct_size(x, 1) != B) {
    ct__err("Expected `len(lengths)` to be equal to batch_size, but got %lld (batch_size=%lld)", (long long)B,
            (long long)(ct_dim(x) < 2 ? 0 : ct_size(x, 1)));
    goto done;
  }
  /* sorted by decreasing length, ties in their order (torch.sort(descending=True)) */
  for (int64_t i = 0; i < B; i++) {
    int64_t j = i;
    while (!enforce_sorted && j > 0 && len[order[j - 1]] < len[i]) order[j] = order[j - 1], j--;
    order[j] = i;
  }
  for (int64_t i = 0; i < B; i++) inv[order[i]] = i;
  int64_t *sl = malloc(sizeof(int64_t) * (size_t)B);
  if (!sl) {
    ct__err("out of memory");
    goto done;
  }
  for (int64_t i = 0; i < B; i++) sl[i] = len[order[i]];
  bool bad = false;
  if (sl[B - 1] <= 0) {
    bad = ct__err("Length of all samples has to be greater than 0, but found an element in 'lengths' that is "
                  "<= 0") == NULL;
  } else if (sl[0] > ct_size(x, 0)) { /* PyTorch 1.13 reads past the input here */
    bad = ct__err("Expected all lengths to be at most the sequence length %lld, but got %lld",
                  (long long)ct_size(x, 0), (long long)sl[0]) == NULL;
  } else {
    for (int64_t i = 1; i < B && !bad; i++)
      if (sl[i] > sl[i - 1])
        bad = ct__err("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
                      "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
                      "requirement if you do not need ONNX exportability.") == NULL;
  }
  int64_t T = bad ? 0 : sl[0], *bs = bad ? NULL : malloc(sizeof(int64_t) * (size_t)(T ? T : 1));
  if (!bad && bs) {
    ct_tensor *si = enforce_sorted ? NULL : i64_tensor(order, B);
    ct_tensor *xs = si ? ct_index_select(x, 1, si) : x;
    p.data = xs ? pack_rows(xs, sl, B, T, bs) : NULL;
    p.batch_sizes = i64_tensor(bs, T);
    if (si) p.sorted_indices = si, p.unsorted_indices = i64_tensor(inv, B);
    if (!p.data || !p.batch_sizes || (si && !p.unsorted_indices)) p = no_packed;
  } else if (!bad) {
    ct__err("out of memory");
  }
  free(bs);
  free(sl);
done:
  free(order);
  free(len);
  return keep_packed(p);
}

/* rows (n, *) followed by rows of value up to total rows */
static ct_tensor *pad_rows(ct_tensor *rows, int64_t total, double value) {
  int64_t n = ct_size(rows, 0);
  if (n == total) return rows;
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, ct_shape(rows), sizeof(int64_t) * (size_t)ct_dim(rows));
  shape[0] = total - n;
  ct_tensor *fill = ct_full_ex(ct_dim(rows), shape, value, (ct_tensor_opts){.dtype = ct_dtype_of(rows)});
  return ct_cat(CT_TENSORS(rows, fill), 0);
}

int ct_pad_packed_sequence_ex(ct_packed_sequence seq, ct_pad_packed_opts o, ct_tensor **padded,
                              ct_tensor **lengths) {
  if (padded) *padded = NULL;
  if (lengths) *lengths = NULL;
  if (!padded || !lengths) return ct__errs("pad_packed_sequence: padded and lengths are required");
  if (!seq.data || !seq.batch_sizes) return ct__errs("pad_packed_sequence: data and batch_sizes are required");
  int64_t T, *bs = read_lengths(seq.batch_sizes, &T);
  if (!bs) return -1;
  int64_t B = T ? bs[0] : 0, rows = 0;
  for (int64_t t = 0; t < T; t++) rows += bs[t];
  if (ct_dim(seq.data) < 1 || rows != ct_size(seq.data, 0) || (T && bs[T - 1] <= 0)) {
    free(bs);
    return ct__errs("pad_packed_sequence: batch_sizes do not describe the packed data");
  }
  if (o.total_length >= 0 && o.total_length < T) {
    free(bs);
    return ct__errs("Expected total_length to be at least the length of the longest sequence in input, but got "
                    "total_length=%lld and max sequence length being %lld",
                    (long long)o.total_length, (long long)T);
  }
  int64_t Tout = o.total_length >= 0 ? o.total_length : T;
  ct_tensor **steps = malloc(sizeof *steps * (size_t)(Tout ? Tout : 1));
  int64_t *len = calloc((size_t)(B ? B : 1), sizeof(int64_t));
  int rc = -1;
  CT_OP_BEGIN();
  if (!steps || !len) {
    ct__errs("out of memory");
    goto done;
  }
  int64_t off = 0;
  for (int64_t t = 0; t < T; t++) {
    steps[t] = pad_rows(ct_narrow(seq.data, 0, off, bs[t]), B, o.padding_value);
    off += bs[t];
    for (int64_t b = 0; b < bs[t]; b++) len[b]++;
  }
  for (int64_t t = T; t < Tout; t++) {
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, ct_shape(seq.data), sizeof(int64_t) * (size_t)ct_dim(seq.data));
    shape[0] = B;
    steps[t] = ct_full_ex(ct_dim(seq.data), shape, o.padding_value, (ct_tensor_opts){.dtype = ct_dtype_of(seq.data)});
  }
  ct_tensor *out = ct_stack(steps, (int)Tout, 0), *lt = i64_tensor(len, B);
  if (out && seq.unsorted_indices) {
    out = ct_index_select(out, 1, seq.unsorted_indices);
    lt = ct_index_select(lt, 0, seq.unsorted_indices);
  }
  if (out && o.batch_first) out = ct_transpose(out, 0, 1);
  if (out && lt) {
    *padded = ct_keep(out), *lengths = ct_keep(lt);
    rc = 0;
  }
done:
  free(steps);
  free(len);
  free(bs);
  ct__op_end(NULL);
  return rc;
}

ct_tensor *ct_pad_sequence(ct_tensor *const *seqs, int n, bool batch_first, double padding_value) {
  if (!seqs) return NULL;
  if (n <= 0) return ct__err("received an empty list of sequences");
  for (int i = 0; i < n; i++) {
    if (!seqs[i]) return NULL;
    if (ct_dim(seqs[i]) < 1 || ct_dim(seqs[i]) != ct_dim(seqs[0]))
      return ct__err("pad_sequence: every sequence must have %d dimensions, got %d", ct_dim(seqs[0]),
                     ct_dim(seqs[i]));
    for (int d = 1; d < ct_dim(seqs[i]); d++)
      if (ct_size(seqs[i], d) != ct_size(seqs[0], d))
        return ct__err("The size of tensor a (%lld) must match the size of tensor b (%lld) at non-singleton "
                       "dimension %d",
                       (long long)ct_size(seqs[0], d), (long long)ct_size(seqs[i], d), d);
  }
  int64_t L = 0;
  for (int i = 0; i < n; i++) L = ct_size(seqs[i], 0) > L ? ct_size(seqs[i], 0) : L;
  ct_tensor **p = malloc(sizeof *p * (size_t)n);
  if (!p) return ct__err("out of memory");
  CT_OP_BEGIN();
  for (int i = 0; i < n; i++) p[i] = pad_rows(seqs[i], L, padding_value);
  ct_tensor *out = ct_stack(p, n, batch_first ? 0 : 1);
  free(p);
  return ct__op_end(out);
}

ct_packed_sequence ct_pack_sequence(ct_tensor *const *seqs, int n, bool enforce_sorted) {
  if (!seqs) return no_packed;
  ct_packed_sequence p = no_packed;
  int64_t *len = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
  if (!len) {
    ct__err("out of memory");
    return p;
  }
  CT_OP_BEGIN();
  ct_tensor *padded = ct_pad_sequence(seqs, n, false, 0);
  if (padded) {
    for (int i = 0; i < n; i++) len[i] = ct_size(seqs[i], 0);
    p = ct_pack_padded_sequence(padded, i64_tensor(len, n), false, enforce_sorted);
  }
  free(len);
  return keep_packed(p);
}
