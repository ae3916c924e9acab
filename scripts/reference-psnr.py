#!/usr/bin/env python3
"""The reference side of `pcl-stream import`'s acceptance check: runs a reference PyTorch EDSR /
RCAN / HAN (the modules of scripts/make-interop-fixtures.py) with a state dict on ready-made LR
images and measures PSNR the way `pcl-stream eval` does: SR clipped to [0, 255] and rounded to
8 bits, BT.601 Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 in float, `scale` pixels cropped
from every border, HR cropped top-left to a multiple of the scale; the set's PSNR is the mean of
the images'.

  /usr/bin/python3 scripts/reference-psnr.py --weights edsr.pt --arch edsr --blocks 16 --channels 64 \\
      --scale 4 --hr data/set5/HR --lr data/set5/LR_bicubic/X4
then compare with
  pcl-stream import edsr.pt --graph graphs/edsr.pcl.ts -o ckpt
  pcl-stream eval --model ckpt --data data/set5/HR --lr-dir data/set5/LR_bicubic/X4 --verbose
--weights also takes a .safetensors file, so `pcl-stream export ckpt --format safetensors -o x.safetensors`
can be checked in the reference code the same way (load_state_dict is strict).
"""
import argparse
import importlib.util
import math
import os

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("reference", os.path.join(HERE, "make-interop-fixtures.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)


def load_weights(path):
    """A state dict from torch.save's file, or from a .safetensors file (read here: no safetensors package needed)."""
    if not path.endswith(".safetensors"):
        return torch.load(path, map_location="cpu")
    import json
    import struct
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", f"{k}: {v['dtype']}"
        b, e = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[b:e], dtype="<f4").copy()).reshape(v["shape"])
    return out


def y_channel(rgb):
    rgb = rgb.astype(np.float64)
    return 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True, help="a torch.save state dict, or .safetensors (e.g. pcl-stream export's)")
    ap.add_argument("--arch", choices=["edsr", "rcan", "han"], default="edsr")
    ap.add_argument("--blocks", type=int, default=16, help="EDSR residual blocks; RCAN / HAN blocks per group")
    ap.add_argument("--groups", type=int, default=10)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--reduction", type=int, default=16)
    ap.add_argument("--res-scale", type=float, default=1)
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--hr", required=True)
    ap.add_argument("--lr", required=True)
    a = ap.parse_args()
    if a.arch == "edsr":
        model = ref.EDSR(a.blocks, a.channels, a.scale, res_scale=a.res_scale)
    elif a.arch == "rcan":
        model = ref.RCAN(a.groups, a.blocks, a.channels, a.reduction, a.scale)
    else:
        model = ref.HAN(a.groups, a.blocks, a.channels, a.reduction, a.scale)
    model.load_state_dict(load_weights(a.weights))  # strict: every key and shape must match
    model.eval()
    s = a.scale
    values = []
    for name in sorted(os.listdir(a.hr)):
        stem, ext = os.path.splitext(name)
        hr = np.asarray(Image.open(os.path.join(a.hr, name)).convert("RGB"))
        hr = hr[: hr.shape[0] // s * s, : hr.shape[1] // s * s]
        lr_path = next(p for p in (os.path.join(a.lr, name), os.path.join(a.lr, f"{stem}x{s}{ext}")) if os.path.exists(p))
        lr = np.asarray(Image.open(lr_path).convert("RGB")).astype(np.float32)
        with torch.no_grad():
            sr = model(torch.from_numpy(lr).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
        sr8 = np.clip(np.round(sr), 0, 255)
        d = (y_channel(sr8) - y_channel(hr))[s:-s, s:-s]
        psnr = 10 * math.log10(255 ** 2 / np.mean(d ** 2))
        values.append(psnr)
        print(f"{name}: Y-PSNR {psnr:.4f} dB")
    print(f"mean Y-PSNR {np.mean(values):.4f} dB over {len(values)} images")


if __name__ == "__main__":
    main()
