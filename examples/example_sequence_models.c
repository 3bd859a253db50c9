/* Seed 004, section 3.3: the seed's sequence models as user-defined modules in C.
 * BasicRNN (Embedding -> RNN -> Linear on the last step), LSTMModel (a 2-layer LSTM with
 * dropout 0.3 that takes variable-length batches through pack_padded_sequence /
 * pad_packed_sequence), BiLSTM (the final forward and backward hidden states concatenated) and
 * the seed's Attention pooling module (a Linear score per step, softmax over the steps, bmm
 * for the weighted sum; not nn.MultiheadAttention). Each is printed and run on a seeded batch
 * of token ids, then LSTMModel trains a few Adam steps on its packed batch.
 * examples/pytorch/example_sequence_models.py prints the same lines (the dropout masks of the
 * training steps included: they are PyTorch's draws; losses to 4 decimals, since float32 sums
 * taken in another order may differ from PyTorch's in the last bit).
 *
 *   class LSTMModel(nn.Module):
 *       def forward(self, x, lengths=None):
 *           embedded = self.embedding(x)
 *           if lengths is not None:
 *               packed = nn.utils.rnn.pack_padded_sequence(
 *                   embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
 *               packed_output, (hidden, cell) = self.lstm(packed)
 *               output, _ = nn.utils.rnn.pad_packed_sequence(packed_output, batch_first=True)
 *           else:
 *               output, (hidden, cell) = self.lstm(embedded)
 *           return self.fc(output[:, -1, :])
 *
 *   class Attention(nn.Module):
 *       def forward(self, rnn_output):           # (batch_size, seq_len, hidden_dim)
 *           attention_weights = torch.softmax(self.attention(rnn_output).squeeze(2), dim=1)
 *           context = torch.bmm(attention_weights.unsqueeze(1), rnn_output).squeeze(1)
 *           return context, attention_weights                                               */
#include <stdio.h>

#include "ctorch.h"
#include "example_common.h"

enum { VOCAB = 100, EMBED = 16, HIDDEN = 32, CLASSES = 4, BATCH = 4, SEQ = 6 };

/* ---- BasicRNN: embedding -> RNN(batch_first) -> fc(output[:, -1, :]) -------------------------- */
typedef struct {
  ct_module base;
  ct_module *embedding, *rnn, *fc;
} BasicRNN;

static ct_tensor *basic_rnn_forward(ct_module *m, ct_tensor *x) {
  BasicRNN *self = (BasicRNN *)m;
  ct_tensor *embedded = ct_forward(self->embedding, x); /* (batch, seq, embed) */
  ct_values r;                                          /* (output, hidden) */
  if (ct_module_call(self->rnn, &CT_VALUES(ct_v_tensor(embedded)), &r) != 0) return NULL;
  ct_tensor *last_output = ct_select(ct_values_tensor(&r, 0), 1, -1);
  return ct_forward(self->fc, last_output);
}

static const ct_module_kind BasicRNN_kind = {
    .name = "BasicRNN", .size = sizeof(BasicRNN), .forward1 = basic_rnn_forward};

static ct_module *basic_rnn(int64_t vocab_size, int64_t embed_dim, int64_t hidden_dim, int64_t num_classes) {
  ct_module *m = ct_module_new(&BasicRNN_kind);
  BasicRNN *self = (BasicRNN *)m;
  self->embedding = ct_module_register_module(m, "embedding", ct_nn_embedding(vocab_size, embed_dim));
  self->rnn = ct_module_register_module(m, "rnn", ct_nn_rnn(embed_dim, hidden_dim, .batch_first = true));
  self->fc = ct_module_register_module(m, "fc", ct_nn_linear(hidden_dim, num_classes));
  return m;
}

/* ---- LSTMModel: forward(x[, lengths]) ---------------------------------------------------------- */
typedef struct {
  ct_module base;
  ct_module *embedding, *lstm, *fc;
} LSTMModel;

static int lstm_model_forward(ct_module *m, const ct_values *in, ct_values *out) {
  LSTMModel *self = (LSTMModel *)m;
  ct_tensor *embedded = ct_forward(self->embedding, ct_values_tensor(in, 0));
  ct_tensor *lengths = ct_values_tensor(in, 1), *output;
  ct_values r;
  if (lengths) { /* variable lengths: the LSTM runs each sequence only to its end */
    ct_packed_sequence packed = ct_pack_padded_sequence(embedded, lengths, true, false);
    ct_values packed_in = {0};
    if (ct_values_push_packed(&packed_in, packed) != 0 || ct_module_call(self->lstm, &packed_in, &r) != 0)
      return -1;
    /* r is (PackedSequence, (hidden, cell)): pad the packed output back to (batch, seq, hidden) */
    ct_tensor *output_lengths;
    if (ct_pad_packed_sequence(ct_values_packed(&r, 0), &output, &output_lengths, .batch_first = true) != 0)
      return -1;
  } else {
    if (ct_module_call(self->lstm, &CT_VALUES(ct_v_tensor(embedded)), &r) != 0) return -1;
    output = ct_values_tensor(&r, 0); /* (output, (hidden, cell)) */
  }
  ct_tensor *y = ct_forward(self->fc, ct_select(output, 1, -1));
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

static const ct_module_kind LSTMModel_kind = {
    .name = "LSTMModel", .size = sizeof(LSTMModel), .forward = lstm_model_forward};

static ct_module *lstm_model(int64_t vocab_size, int64_t embed_dim, int64_t hidden_dim, int64_t num_layers,
                             int64_t num_classes) {
  ct_module *m = ct_module_new(&LSTMModel_kind);
  LSTMModel *self = (LSTMModel *)m;
  self->embedding = ct_module_register_module(m, "embedding", ct_nn_embedding(vocab_size, embed_dim));
  self->lstm = ct_module_register_module(
      m, "lstm", ct_nn_lstm(embed_dim, hidden_dim, .num_layers = num_layers, .batch_first = true,
                            .dropout = num_layers > 1 ? 0.3 : 0));
  self->fc = ct_module_register_module(m, "fc", ct_nn_linear(hidden_dim, num_classes));
  return m;
}

/* ---- BiLSTM: fc(cat(hidden[-2], hidden[-1])) --------------------------------------------------- */
typedef struct {
  ct_module base;
  ct_module *embedding, *lstm, *fc;
} BiLSTM;

static ct_tensor *bilstm_forward(ct_module *m, ct_tensor *x) {
  BiLSTM *self = (BiLSTM *)m;
  ct_tensor *embedded = ct_forward(self->embedding, x);
  ct_values r; /* (output, (hidden, cell)); hidden (2, batch, hidden_dim): forward, backward */
  if (ct_module_call(self->lstm, &CT_VALUES(ct_v_tensor(embedded)), &r) != 0) return NULL;
  ct_tensor *hidden = ct_values_tensor(&r, 1);
  hidden = ct_cat(CT_TENSORS(ct_select(hidden, 0, -2), ct_select(hidden, 0, -1)), 1);
  return ct_forward(self->fc, hidden);
}

static const ct_module_kind BiLSTM_kind = {.name = "BiLSTM", .size = sizeof(BiLSTM), .forward1 = bilstm_forward};

static ct_module *bilstm(int64_t vocab_size, int64_t embed_dim, int64_t hidden_dim, int64_t num_classes) {
  ct_module *m = ct_module_new(&BiLSTM_kind);
  BiLSTM *self = (BiLSTM *)m;
  self->embedding = ct_module_register_module(m, "embedding", ct_nn_embedding(vocab_size, embed_dim));
  self->lstm = ct_module_register_module(
      m, "lstm", ct_nn_lstm(embed_dim, hidden_dim, .batch_first = true, .bidirectional = true));
  self->fc = ct_module_register_module(m, "fc", ct_nn_linear(hidden_dim * 2, num_classes)); /* both directions */
  return m;
}

/* ---- Attention: forward(rnn_output) -> (context, attention_weights) ----------------------------- */
typedef struct {
  ct_module base;
  ct_module *attention;
} Attention;

static int attention_forward(ct_module *m, const ct_values *in, ct_values *out) {
  Attention *self = (Attention *)m;
  ct_tensor *rnn_output = ct_values_tensor(in, 0); /* (batch, seq, hidden) */
  ct_tensor *scores = ct_squeeze_dim(ct_forward(self->attention, rnn_output), 2); /* (batch, seq) */
  ct_tensor *attention_weights = ct_softmax(scores, 1);
  ct_tensor *context = ct_squeeze_dim(ct_bmm(ct_unsqueeze(attention_weights, 1), rnn_output), 1);
  if (!context) return -1;
  ct_values_push(out, ct_v_tensor(context));
  return ct_values_push(out, ct_v_tensor(attention_weights));
}

static const ct_module_kind Attention_kind = {
    .name = "Attention", .size = sizeof(Attention), .forward = attention_forward};

static ct_module *attention_new(int64_t hidden_dim) {
  ct_module *m = ct_module_new(&Attention_kind);
  ((Attention *)m)->attention = ct_module_register_module(m, "attention", ct_nn_linear(hidden_dim, 1));
  return m;
}

/* model.parameters() for the optimizer (the map keeps them alive) */
static ct_optim *adam(ct_module *model, double lr, ct_tensor_map **map) {
  *map = ct_module_named_parameters(model, true);
  ct_tensor *ps[16];
  int n = 0;
  for (; n < ct_tensor_map_size(*map) && n < 16; n++) ps[n] = ct_tensor_map_at(*map, n);
  return ct_optim_adam(ps, n, .lr = lr);
}

static void show_basic_rnn(void) {
  printf("BasicRNN\n");
  ct_manual_seed(0);
  ct_module *model = basic_rnn(VOCAB, EMBED, HIDDEN, CLASSES);
  ct_module_print(model);
  ct_tensor *x = ct_randint(0, VOCAB, CT_SHAPE(BATCH, SEQ));
  ct_print(x);
  ct_tensor *out = ct_forward(model, x);
  print_size(out);
  ct_print(ct_detach(out));
  ct_module_free(model);
}

static void show_lstm_model(void) {
  printf("LSTMModel\n");
  ct_manual_seed(0);
  ct_module *model = lstm_model(VOCAB, EMBED, HIDDEN, 2, CLASSES);
  ct_module_print(model);
  ct_tensor *x = ct_randint(1, VOCAB, CT_SHAPE(BATCH, SEQ));
  ct_tensor *lengths = ct_tensor_from((const int64_t[]){6, 3, 5, 2}, CT_INT64, 1, (const int64_t[]){BATCH});
  /* token 0 pads the shorter sequences: x * (arange(SEQ) < lengths[:, None]) */
  x = ct_mul(x, ct_lt(ct_arange(0, SEQ, 1), ct_unsqueeze(lengths, 1)));
  ct_print(x);
  ct_module_eval(model);
  CT_NO_GRAD {
    ct_tensor *packed_out = ct_forward(model, x, lengths);
    ct_print(packed_out);
    /* output[:, -1, :] of the padded result is zero past a sequence's end, so a shorter
     * sequence's logits are fc's bias alone: the seed's LSTMModel reads the padding */
    printf("%s\n", py_bool(ct_equal(ct_select(packed_out, 0, 1), ct_module_get_parameter(model, "fc.bias"))));
    ct_tensor *full = ct_forward(model, x); /* the full-length row agrees */
    printf("%s\n", py_bool(ct_allclose(ct_select(packed_out, 0, 0), ct_select(full, 0, 0), 1e-5, 1e-6)));
  }
  ct_module_train(model, true);
  ct_tensor *y = ct_tensor_from((const int64_t[]){0, 1, 2, 3}, CT_INT64, 1, (const int64_t[]){BATCH});
  ct_tensor_map *params;
  ct_optim *optimizer = adam(model, 0.01, &params);
  for (int step = 0; step < 5; step++) {
    ct_scope_begin();
    ct_optim_zero_grad(optimizer, false);
    ct_tensor *loss = ct_cross_entropy(ct_forward(model, x, lengths), y);
    ct_backward(loss);
    ct_optim_step(optimizer);
    printf("step %d, loss: %.4f\n", step + 1, ct_item(loss));
    ct_scope_end();
  }
  ct_optim_free(optimizer);
  ct_tensor_map_free(params);
  ct_module_free(model);
}

static void show_bilstm_attention(void) {
  printf("BiLSTM\n");
  ct_manual_seed(0);
  ct_module *model = bilstm(VOCAB, EMBED, HIDDEN, CLASSES);
  ct_module_print(model);
  ct_tensor *x = ct_randint(0, VOCAB, CT_SHAPE(BATCH, SEQ));
  ct_tensor *out = ct_forward(model, x);
  print_size(out);
  ct_print(ct_detach(out));

  printf("Attention\n");
  ct_module *attention = attention_new(2 * HIDDEN);
  ct_module_print(attention);
  BiLSTM *bi = (BiLSTM *)model;
  ct_values r, att;
  check(ct_module_call(bi->lstm, &CT_VALUES(ct_v_tensor(ct_forward(bi->embedding, x))), &r) == 0, "lstm");
  ct_tensor *rnn_output = ct_values_tensor(&r, 0); /* (batch, seq, 2 * hidden) */
  check(ct_module_call(attention, &CT_VALUES(ct_v_tensor(rnn_output)), &att) == 0, "attention");
  ct_tensor *context = ct_values_tensor(&att, 0), *weights = ct_values_tensor(&att, 1);
  print_size(context);
  ct_print(ct_detach(weights));
  printf("%s\n", py_bool(ct_allclose(ct_sum(weights, .dim = CT_DIMS(1)), ct_ones(CT_SHAPE(BATCH)), 1e-5, 1e-8))); /* each row sums to 1 */
  ct_print(ct_detach(ct_slice(ct_select(context, 0, 0), 0, 0, 6, 1)));
  ct_module_free(attention);
  ct_module_free(model);
}

int main(void) {
  ct_set_error_mode(CT_ERRORS_ABORT); /* a script: stop at the first error, as Python would */
  ct_scope_begin();
  show_basic_rnn();
  show_lstm_model();
  show_bilstm_attention();
  ct_scope_end();
  return 0;
}
