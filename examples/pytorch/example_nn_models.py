# Seed 004, sections 2.2.5, 3.1 and 3.2: MNISTClassifier, DynamicMLP, MLPWithBN, BasicCNN as the
# seed writes them, and ResNet-18 in torchvision's layout (BasicBlock, downsample =
# Sequential(conv1x1, bn), kaiming_normal_ fan_out init), each printed, then a seeded forward.
# examples/example_nn_models.c prints the same.
import torch
import torch.nn as nn
import torch.nn.functional as F


class MNISTClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(256, 128), nn.ReLU(),
        )
        self.classifier = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = self.features(x)
        return self.classifier(x)


class DynamicMLP(nn.Module):
    def __init__(self, input_dim, hidden_dims, output_dim=1):
        super().__init__()
        layers = []
        prev_dim = input_dim
        for i, hidden_dim in enumerate(hidden_dims):
            layers.append(nn.Linear(prev_dim, hidden_dim))
            layers.append(nn.ReLU())
            if i < len(hidden_dims) - 1:
                layers.append(nn.Dropout(0.2))
            prev_dim = hidden_dim
        layers.append(nn.Linear(prev_dim, output_dim))
        self.network = nn.Sequential(*layers)

    def forward(self, x):
        if x.dim() > 2:
            x = x.view(x.size(0), -1)
        return self.network(x)


class MLPWithBN(nn.Module):  # the seed defines no forward: the example calls model.network(x)
    def __init__(self, input_dim, hidden_dims):
        super().__init__()
        layers = []
        prev_dim = input_dim
        for hidden_dim in hidden_dims:
            layers.extend([nn.Linear(prev_dim, hidden_dim), nn.BatchNorm1d(hidden_dim), nn.ReLU(),
                           nn.Dropout(0.2)])
            prev_dim = hidden_dim
        self.network = nn.Sequential(*layers)


class BasicCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(64, 128, kernel_size=3, padding=1), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
        )
        self.classifier = nn.Sequential(nn.Linear(128 * 8 * 8, 256), nn.ReLU(), nn.Dropout(0.5),
                                        nn.Linear(256, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)


class BasicBlock(nn.Module):  # torchvision.models.resnet.BasicBlock
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):  # torchvision.models.resnet.ResNet
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def resnet18(num_classes=10):
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes)


def seed_resnet18(num_classes=10):
    """Seed 004's own ResNet (3.2.3): convolutions with bias, a `shortcut` branch (an empty
    Sequential when the shape is kept), F.relu in forward, PyTorch's default init."""
    class ResidualBlock(nn.Module):
        def __init__(self, in_channels, out_channels, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1)
            self.bn1 = nn.BatchNorm2d(out_channels)
            self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1)
            self.bn2 = nn.BatchNorm2d(out_channels)
            self.shortcut = nn.Sequential()
            if stride != 1 or in_channels != out_channels:
                self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride),
                                              nn.BatchNorm2d(out_channels))

        def forward(self, x):
            identity = self.shortcut(x)
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += identity
            return F.relu(out)

    class ResNet(nn.Module):
        def __init__(self, block, layers, num_classes=10):
            super().__init__()
            self.in_channels = 64
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3)
            self.bn1 = nn.BatchNorm2d(64)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1 = self._make_layer(block, 64, layers[0], stride=1)
            self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
            self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
            self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def _make_layer(self, block, out_channels, blocks, stride=1):
            layers = [block(self.in_channels, out_channels, stride)]
            self.in_channels = out_channels
            for _ in range(1, blocks):
                layers.append(block(out_channels, out_channels))
            return nn.Sequential(*layers)

        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)))
            x = self.maxpool(x)
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            x = self.avgpool(x)
            x = x.view(x.size(0), -1)
            return self.fc(x)

    return ResNet(ResidualBlock, [2, 2, 2, 2], num_classes)


def show(model, x, forward=None):
    print(model)
    print(f"parameters: {sum(p.numel() for p in model.parameters())}")
    y = (forward or model)(x)
    print(y.shape)
    print(y[0].detach())


torch.manual_seed(0)
model = MNISTClassifier()
show(model, torch.randn(4, 1, 28, 28))  # training mode: the dropout masks are drawn too

torch.manual_seed(0)
mlp = DynamicMLP(input_dim=784, hidden_dims=[512, 256, 128, 64], output_dim=10)
show(mlp, torch.randn(4, 1, 28, 28))

torch.manual_seed(0)
bn = MLPWithBN(20, [64, 32])
show(bn, torch.randn(8, 20), bn.network)
print(bn.network[1].running_mean[:4])
bn.eval()
print(bn.network(torch.randn(2, 20))[0].detach())

torch.manual_seed(0)
cnn = BasicCNN()
show(cnn, torch.randn(2, 3, 32, 32))

torch.manual_seed(0)
net = resnet18()
net.eval()
with torch.no_grad():
    show(net, torch.randn(2, 3, 64, 64))
net.train()
y = net(torch.randn(2, 3, 64, 64))
print(y[1].detach())
print(net.layer4[0].downsample[1].running_var[:4])

torch.manual_seed(0)
seed_net = seed_resnet18()
seed_net.train()
seed_net(torch.randn(4, 3, 32, 32))  # one training step's statistics in the running buffers
seed_net.eval()
with torch.no_grad():
    show(seed_net, torch.randn(2, 3, 64, 64))
    # conv1 + bn1 folded into one convolution for inference: the same output
    x = torch.randn(1, 3, 16, 16)
    fused = torch.nn.utils.fuse_conv_bn_eval(seed_net.conv1, seed_net.bn1)
    print(fused)
    print(torch.allclose(fused(x), seed_net.bn1(seed_net.conv1(x)), rtol=1e-4, atol=1e-5))
print(seed_net.layer2[0].shortcut[1].running_mean[:4])
