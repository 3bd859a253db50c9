# Seed 004, section 4.2: custom autograd functions and gradcheck.
import torch
from torch.autograd import gradcheck


class CustomSigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        output = 1 / (1 + torch.exp(-input))
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        output, = ctx.saved_tensors
        grad_input = grad_output * output * (1 - output)
        return grad_input


torch.manual_seed(0)
x = torch.randn(4, requires_grad=True)
y = CustomSigmoid.apply(x)
loss = y.sum()
loss.backward()
print(y)
print(x.grad)
print(torch.allclose(x.grad, torch.sigmoid(x) * (1 - torch.sigmoid(x))))

# 4.2.2 gradient check
input = torch.randn(3, 3, dtype=torch.double, requires_grad=True)
test = gradcheck(CustomSigmoid.apply, (input,), eps=1e-6, atol=1e-4)
print("梯度检查:", test)


# 4.2.3 a fused bias + ReLU. The seed's backward reads `bias`, which it never saved
# (a NameError); this version saves both inputs.
class FusedBiasActivation(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, bias):
        ctx.save_for_backward(input, bias)
        output = input + bias.unsqueeze(0)
        output = torch.relu(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, bias = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input + bias.unsqueeze(0) <= 0] = 0
        grad_bias = grad_input.sum(0)
        return grad_input, grad_bias


def fused_bias_relu(x, b):
    return FusedBiasActivation.apply(x, b)


x = torch.randn(2, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
out = fused_bias_relu(x, b)
out.sum().backward()
print(out)
print(x.grad)
print(b.grad)
xd = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
bd = torch.randn(3, dtype=torch.double, requires_grad=True)
print("梯度检查:", gradcheck(fused_bias_relu, (xd, bd), eps=1e-6, atol=1e-4))
