"""Case specs for the recurrent modules: RNN (tanh / relu), LSTM (proj_size), GRU with every
constructor option (num_layers, bias, batch_first, bidirectional), optional h0 / (h0, c0),
unbatched inputs, and the cells RNNCell / LSTMCell / GRUCell; float32 and float64, gradients of
the input, the initial states and every parameter. Packed sequences cannot be written as a
module case (a PackedSequence is not a tensor or shape); they are checked against PyTorch's
values in tests/unit/test_rnn.c. Dropout between layers is checked there too (eval here)."""
from gen import module

F32 = dict(rtol=1e-4, atol=1e-5)  # float32 sums over the steps in another order than PyTorch's

for cls in ("RNN", "LSTM", "GRU"):
    P = 2 if cls == "LSTM" else 3  # h0's last size with LSTM's proj_size below
    module("basic", cls, [4, 3], {}, [(5, 2, 4)], **F32)
    module("layers2", cls, [4, 3, 2], {}, [(4, 3, 4)], **F32)
    module("bidir", cls, [3, 4], {"bidirectional": True}, [(4, 2, 3)], **F32)
    module("bidir_layers2_bf", cls, [3, 4, 2], {"bidirectional": True, "batch_first": True},
           [(2, 4, 3)], **F32)
    module("nobias", cls, [3, 4], {"bias": False}, [(3, 2, 3)], **F32)
    module("batch_first", cls, [3, 4], {"batch_first": True}, [(2, 5, 3)], **F32)
    module("unbatched", cls, [3, 4], {}, [(5, 3)], **F32)
    module("dropout_eval", cls, [3, 4, 2], {"dropout": 0.5}, [(3, 2, 3)], training=False, **F32)
    if cls == "LSTM":
        module("h0", cls, [3, 4, 2], {}, [(4, 2, 3), ((2, 2, 4), (2, 2, 4))], **F32)
        module("h0_bidir", cls, [3, 4], {"bidirectional": True}, [(3, 2, 3), ((2, 2, 4), (2, 2, 4))], **F32)
        module("h0_unbatched", cls, [3, 4], {}, [(3, 3), ((1, 4), (1, 4))], **F32)
        module("proj", cls, [3, 4], {"proj_size": 2}, [(4, 2, 3)], **F32)
        module("proj_layers2_bidir", cls, [3, 4, 2], {"proj_size": 2, "bidirectional": True},
               [(3, 2, 3), ((4, 2, 2), (4, 2, 4))], **F32)
        module("proj_bf_nobias", cls, [3, 5], {"proj_size": 3, "batch_first": True, "bias": False},
               [(2, 3, 3)], **F32)
    else:
        module("h0", cls, [3, 4, 2], {}, [(4, 2, 3), (2, 2, 4)], **F32)
        module("h0_bidir_bf", cls, [3, 4], {"bidirectional": True, "batch_first": True},
               [(2, 3, 3), (2, 2, 4)], **F32)
        module("h0_unbatched", cls, [3, 4], {}, [(3, 3), (1, 4)], **F32)
module("relu", "RNN", [3, 4], {"nonlinearity": "relu"}, [(4, 2, 3)], **F32)
module("relu_layers2", "RNN", [3, 4, 2], {"nonlinearity": "relu", "bias": False}, [(3, 2, 3), (2, 2, 4)], **F32)
module("positional", "LSTM", [3, 4, 1, True, True, 0.0, True], {}, [(2, 3, 3)], **F32)

# ---- cells ---------------------------------------------------------------------------------
for cls in ("RNNCell", "LSTMCell", "GRUCell"):
    module("basic", cls, [4, 3], {}, [(2, 4)], **F32)
    module("nobias", cls, [4, 3], {"bias": False}, [(2, 4)], **F32)
    module("unbatched", cls, [4, 3], {}, [(4,)], **F32)
    hx = ((2, 3), (2, 3)) if cls == "LSTMCell" else (2, 3)
    module("hx", cls, [4, 3], {}, [(2, 4), hx], **F32)
    hx1 = ((3,), (3,)) if cls == "LSTMCell" else (3,)
    module("hx_unbatched", cls, [4, 3], {}, [(4,), hx1], **F32)
module("relu", "RNNCell", [4, 3], {"nonlinearity": "relu"}, [(2, 4), (2, 3)], **F32)
