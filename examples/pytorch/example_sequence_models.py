# Seed 004, section 3.3: BasicRNN, LSTMModel (variable lengths through pack_padded_sequence),
# BiLSTM and the Attention pooling module as the seed writes them, each printed and run on a
# seeded batch of token ids; then a few Adam steps of LSTMModel on packed input (dropout 0.3
# between its layers in training). examples/example_sequence_models.c prints the same.
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.RNN(embed_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, num_classes)

    def forward(self, x):
        embedded = self.embedding(x)
        output, hidden = self.rnn(embedded)
        last_output = output[:, -1, :]
        output = self.fc(last_output)
        return output


class LSTMModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_layers, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers,
                            batch_first=True, dropout=0.3 if num_layers > 1 else 0)
        self.fc = nn.Linear(hidden_dim, num_classes)

    def forward(self, x, lengths=None):
        embedded = self.embedding(x)
        if lengths is not None:
            packed = nn.utils.rnn.pack_padded_sequence(
                embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
            packed_output, (hidden, cell) = self.lstm(packed)
            output, _ = nn.utils.rnn.pad_packed_sequence(packed_output, batch_first=True)
        else:
            output, (hidden, cell) = self.lstm(embedded)
        last_output = output[:, -1, :]
        output = self.fc(last_output)
        return output


class BiLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True,
                            bidirectional=True)
        self.fc = nn.Linear(hidden_dim * 2, num_classes)

    def forward(self, x):
        embedded = self.embedding(x)
        output, (hidden, cell) = self.lstm(embedded)
        hidden = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        output = self.fc(hidden)
        return output


class Attention(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.attention = nn.Linear(hidden_dim, 1)

    def forward(self, rnn_output):
        attention_weights = torch.softmax(
            self.attention(rnn_output).squeeze(2), dim=1)
        context = torch.bmm(attention_weights.unsqueeze(1), rnn_output).squeeze(1)
        return context, attention_weights


VOCAB, EMBED, HIDDEN, CLASSES, BATCH, SEQ = 100, 16, 32, 4, 4, 6

print("BasicRNN")
torch.manual_seed(0)
model = BasicRNN(VOCAB, EMBED, HIDDEN, CLASSES)
print(model)
x = torch.randint(0, VOCAB, (BATCH, SEQ))
print(x)
out = model(x)
print(out.shape)
print(out.detach())

print("LSTMModel")
torch.manual_seed(0)
model = LSTMModel(VOCAB, EMBED, HIDDEN, 2, CLASSES)
print(model)
x = torch.randint(1, VOCAB, (BATCH, SEQ))
lengths = torch.tensor([6, 3, 5, 2])
x = x * (torch.arange(SEQ) < lengths.unsqueeze(1))  # token 0 pads the shorter sequences
print(x)
model.eval()
with torch.no_grad():
    packed_out = model(x, lengths)
    print(packed_out)
    # output[:, -1, :] of the padded result is zero past a sequence's end, so a shorter
    # sequence's logits are fc's bias alone: the seed's LSTMModel reads the padding
    print(torch.equal(packed_out[1], model.fc.bias))
    print(torch.allclose(packed_out[0], model(x)[0], atol=1e-6))  # the full-length row agrees
model.train()
y = torch.tensor([0, 1, 2, 3])
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(5):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x, lengths), y)
    loss.backward()
    optimizer.step()
    print(f"step {step + 1}, loss: {loss.item():.4f}")

print("BiLSTM")
torch.manual_seed(0)
model = BiLSTM(VOCAB, EMBED, HIDDEN, CLASSES)
print(model)
x = torch.randint(0, VOCAB, (BATCH, SEQ))
out = model(x)
print(out.shape)
print(out.detach())

print("Attention")
attention = Attention(2 * HIDDEN)
print(attention)
rnn_output, _ = model.lstm(model.embedding(x))  # (batch, seq, 2 * hidden)
context, weights = attention(rnn_output)
print(context.shape)
print(weights.detach())
print(torch.allclose(weights.sum(dim=1), torch.ones(BATCH)))  # each row sums to 1
print(context[0, :6].detach())
