#!/usr/bin/python3
"""Writes the fixtures test_data_files.c reads (tests/unit/data/images/), with the expected
values computed by PIL 9.4, numpy and torch 1.13 (torchvision is not installed here, so
RandomCrop / RandomHorizontalFlip are replayed below with torch's own draws, exactly as
torchvision 0.14's transforms.py makes them, and numpy's np.pad for the padding modes, which
torchvision's tensor padding equals).

    /usr/bin/python3 tests/unit/data/make_data_fixtures.py      (from the repo root)

images/NAME.EXT          a 5 x 4 image in PIL mode MODE, pixel (y, x, c) = (y * 50 + x * 13 + c * 90) % 256
images/NAME.EXT.rgb.npy  np.asarray(Image.open(f).convert('RGB'))   (H, W, 3) uint8
images/NAME.EXT.l.npy    np.asarray(Image.open(f).convert('L'))     (H, W) uint8
images/crop_*.npy        RandomCrop / RandomHorizontalFlip results (see crops() below)
"""
import os
import numpy as np
import torch
from PIL import Image

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images")
H, W = 4, 5


def rgba():
    y, x, c = np.meshgrid(np.arange(H), np.arange(W), np.arange(4), indexing="ij")
    return ((y * 50 + x * 13 + c * 90) % 256).astype(np.uint8)


def images():
    px = rgba()
    made = {
        "rgb.png": Image.fromarray(px[..., :3], "RGB"),
        "gray.png": Image.fromarray(px[..., 0], "L"),
        "rgba.png": Image.fromarray(px, "RGBA"),
        "la.png": Image.fromarray(px[..., :2], "LA"),
        "palette.png": Image.fromarray(px[..., :3], "RGB").quantize(7),
        "rgb.bmp": Image.fromarray(px[..., :3], "RGB"),
        "palette.gif": Image.fromarray(px[..., :3], "RGB").quantize(5),
        "rgb.jpg": Image.fromarray(px[..., :3], "RGB"),
    }
    for name, im in made.items():
        path = os.path.join(HERE, name)
        im.save(path, quality=95) if name.endswith(".jpg") else im.save(path)
        with Image.open(path) as f:
            np.save(path + ".rgb.npy", np.asarray(f.convert("RGB")))
            np.save(path + ".l.npy", np.asarray(f.convert("L")))


def get_params(h, w, th, tw):
    """RandomCrop.get_params with torch's draws"""
    if w == tw and h == th:
        return 0, 0
    i = torch.randint(0, h - th + 1, size=(1,)).item()
    j = torch.randint(0, w - tw + 1, size=(1,)).item()
    return i, j


def crops():
    """x = arange(2*5*6) as uint8 (2, 5, 6); torch.manual_seed(seed) then the transform."""
    x = np.arange(2 * 5 * 6, dtype=np.uint8).reshape(2, 5, 6)
    modes = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}
    for k, (mode, npmode) in enumerate(modes.items()):
        torch.manual_seed(10 + k)
        kw = {"constant_values": 7} if mode == "constant" else {}
        p = np.pad(x, ((0, 0), (2, 1), (1, 3)), mode=npmode, **kw)  # padding (1, 2, 3, 1)
        i, j = get_params(p.shape[1], p.shape[2], 4, 5)
        np.save(os.path.join(HERE, f"crop_{mode}.npy"), p[:, i:i + 4, j:j + 5])
    # pad_if_needed: (2, 3, 2) cropped to (4, 4) pads width by 2 on both sides, height by 1
    torch.manual_seed(3)
    y = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    p = np.pad(y, ((0, 0), (0, 0), (2, 2)))
    p = np.pad(p, ((0, 0), (1, 1), (0, 0)))
    i, j = get_params(p.shape[1], p.shape[2], 4, 4)
    np.save(os.path.join(HERE, "crop_pad_if_needed.npy"), p[:, i:i + 4, j:j + 4])
    # RandomHorizontalFlip(0.5) eight times after torch.manual_seed(5): 1 = flipped
    torch.manual_seed(5)
    np.save(os.path.join(HERE, "flips.npy"), np.array([int(torch.rand(1) < 0.5) for _ in range(8)], dtype=np.int64))
    # ToTensor of every uint8 value, then Normalize((0.5,), (0.25,)) in float32
    u = torch.arange(256, dtype=torch.uint8).reshape(16, 16, 1)
    t = u.permute(2, 0, 1).contiguous().to(torch.float32).div(255)
    np.save(os.path.join(HERE, "to_tensor.npy"), t.numpy())
    m = torch.tensor([0.5], dtype=torch.float32).view(-1, 1, 1)
    s = torch.tensor([0.25], dtype=torch.float32).view(-1, 1, 1)
    np.save(os.path.join(HERE, "normalized.npy"), t.sub(m).div(s).numpy())


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    images()
    crops()
