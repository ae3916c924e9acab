#!/usr/bin/env python3
"""Makes test/fixtures/interop/: small EDSR, RCAN and HAN networks with random weights, built as the
reference implementations build them, their state dicts (torch.save, and one in safetensors), and
an input / output pair computed by PyTorch.

The modules below follow the EDSR-PyTorch family: EDSR (github.com/sanghyun-son/EDSR-PyTorch,
src/model/edsr.py and common.py), RCAN (github.com/yulunzhang/RCAN, RCAN_TrainCode/code/model/rcan.py)
and HAN (github.com/wwlCape/HAN, src/model/han.py): MeanShift on rgb_range 255, head / body / tail
naming, the pixel-shuffle Upsampler, RCAB and ResidualGroup, HAN's LAM_Module and CSAM_Module. They
are written out here (not imported) so the fixtures need nothing but PyTorch.

Run with Debian's PyTorch (python3-torch):   /usr/bin/python3 scripts/make-interop-fixtures.py
Options: --out DIR (default test/fixtures/interop), and --full DIR to write full-size random-weight
state dicts (EDSR baseline x4, RCAN, HAN) with their input/output pairs for `npm run bench -- --only interop`;
--edsr-baseline FILE writes only a full-size EDSR baseline x4 state dict (torch.save) with random
weights, for the README's acceptance check; with --train-steps N --train-data DIR it is first trained
N steps (L1, Adam 2e-4, 8 random 32x32 LR patches with PIL bicubic LR) so that it is "trained-ish".
"""
import argparse
import json
import math
import os
import struct

import torch
import torch.nn as nn


# ---- common.py ----------------------------------------------------------------------------------

def default_conv(in_channels, out_channels, kernel_size, bias=True):
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=(kernel_size // 2), bias=bias)


class MeanShift(nn.Conv2d):
    def __init__(self, rgb_range, rgb_mean=(0.4488, 0.4371, 0.4040), rgb_std=(1.0, 1.0, 1.0), sign=-1):
        super().__init__(3, 3, kernel_size=1)
        std = torch.Tensor(rgb_std)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1)
        self.bias.data = sign * rgb_range * torch.Tensor(rgb_mean) / std
        for p in self.parameters():
            p.requires_grad = False


class ResBlock(nn.Module):
    def __init__(self, conv, n_feats, kernel_size, bias=True, act=nn.ReLU(True), res_scale=1):
        super().__init__()
        m = []
        for i in range(2):
            m.append(conv(n_feats, n_feats, kernel_size, bias=bias))
            if i == 0:
                m.append(act)
        self.body = nn.Sequential(*m)
        self.res_scale = res_scale

    def forward(self, x):
        res = self.body(x).mul(self.res_scale)
        res += x
        return res


class Upsampler(nn.Sequential):
    def __init__(self, conv, scale, n_feats, bias=True):
        m = []
        if (scale & (scale - 1)) == 0:
            for _ in range(int(math.log(scale, 2))):
                m.append(conv(n_feats, 4 * n_feats, 3, bias))
                m.append(nn.PixelShuffle(2))
        elif scale == 3:
            m.append(conv(n_feats, 9 * n_feats, 3, bias))
            m.append(nn.PixelShuffle(3))
        else:
            raise NotImplementedError
        super().__init__(*m)


# ---- edsr.py ------------------------------------------------------------------------------------

class EDSR(nn.Module):
    def __init__(self, n_resblocks, n_feats, scale, res_scale=1, rgb_range=255, conv=default_conv):
        super().__init__()
        kernel_size = 3
        act = nn.ReLU(True)
        self.sub_mean = MeanShift(rgb_range)
        self.add_mean = MeanShift(rgb_range, sign=1)
        m_head = [conv(3, n_feats, kernel_size)]
        m_body = [ResBlock(conv, n_feats, kernel_size, act=act, res_scale=res_scale) for _ in range(n_resblocks)]
        m_body.append(conv(n_feats, n_feats, kernel_size))
        m_tail = [Upsampler(conv, scale, n_feats), conv(n_feats, 3, kernel_size)]
        self.head = nn.Sequential(*m_head)
        self.body = nn.Sequential(*m_body)
        self.tail = nn.Sequential(*m_tail)

    def forward(self, x):
        x = self.sub_mean(x)
        x = self.head(x)
        res = self.body(x)
        res += x
        x = self.tail(res)
        x = self.add_mean(x)
        return x


# ---- rcan.py ------------------------------------------------------------------------------------

class CALayer(nn.Module):
    def __init__(self, channel, reduction=16):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.conv_du = nn.Sequential(
            nn.Conv2d(channel, channel // reduction, 1, padding=0, bias=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(channel // reduction, channel, 1, padding=0, bias=True),
            nn.Sigmoid(),
        )

    def forward(self, x):
        y = self.avg_pool(x)
        y = self.conv_du(y)
        return x * y


class RCAB(nn.Module):
    def __init__(self, conv, n_feat, kernel_size, reduction, bias=True, act=nn.ReLU(True), res_scale=1):
        super().__init__()
        modules_body = []
        for i in range(2):
            modules_body.append(conv(n_feat, n_feat, kernel_size, bias=bias))
            if i == 0:
                modules_body.append(act)
        modules_body.append(CALayer(n_feat, reduction))
        self.body = nn.Sequential(*modules_body)
        self.res_scale = res_scale

    def forward(self, x):
        res = self.body(x)
        res += x
        return res


class ResidualGroup(nn.Module):
    def __init__(self, conv, n_feat, kernel_size, reduction, act, res_scale, n_resblocks):
        super().__init__()
        modules_body = [RCAB(conv, n_feat, kernel_size, reduction, bias=True, act=nn.ReLU(True), res_scale=1) for _ in range(n_resblocks)]
        modules_body.append(conv(n_feat, n_feat, kernel_size))
        self.body = nn.Sequential(*modules_body)

    def forward(self, x):
        res = self.body(x)
        res += x
        return res


class RCAN(nn.Module):
    def __init__(self, n_resgroups, n_resblocks, n_feats, reduction, scale, rgb_range=255, conv=default_conv):
        super().__init__()
        kernel_size = 3
        act = nn.ReLU(True)
        self.sub_mean = MeanShift(rgb_range)
        modules_head = [conv(3, n_feats, kernel_size)]
        modules_body = [ResidualGroup(conv, n_feats, kernel_size, reduction, act=act, res_scale=1, n_resblocks=n_resblocks) for _ in range(n_resgroups)]
        modules_body.append(conv(n_feats, n_feats, kernel_size))
        modules_tail = [Upsampler(conv, scale, n_feats), conv(n_feats, 3, kernel_size)]
        self.add_mean = MeanShift(rgb_range, sign=1)
        self.head = nn.Sequential(*modules_head)
        self.body = nn.Sequential(*modules_body)
        self.tail = nn.Sequential(*modules_tail)

    def forward(self, x):
        x = self.sub_mean(x)
        x = self.head(x)
        res = self.body(x)
        res += x
        x = self.tail(res)
        x = self.add_mean(x)
        return x


# ---- han.py -------------------------------------------------------------------------------------

class LAM_Module(nn.Module):
    """Layer attention module."""

    def __init__(self, in_dim):
        super().__init__()
        self.chanel_in = in_dim
        self.gamma = nn.Parameter(torch.zeros(1))
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        m_batchsize, N, C, height, width = x.size()
        proj_query = x.view(m_batchsize, N, -1)
        proj_key = x.view(m_batchsize, N, -1).permute(0, 2, 1)
        energy = torch.bmm(proj_query, proj_key)
        energy_new = torch.max(energy, -1, keepdim=True)[0].expand_as(energy) - energy
        attention = self.softmax(energy_new)
        proj_value = x.view(m_batchsize, N, -1)
        out = torch.bmm(attention, proj_value)
        out = out.view(m_batchsize, N, C, height, width)
        out = self.gamma * out + x
        out = out.view(m_batchsize, -1, height, width)
        return out


class CSAM_Module(nn.Module):
    """Channel-spatial attention module."""

    def __init__(self, in_dim):
        super().__init__()
        self.chanel_in = in_dim
        self.conv = nn.Conv3d(1, 1, 3, 1, 1)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        m_batchsize, C, height, width = x.size()
        out = x.unsqueeze(1)
        out = self.sigmoid(self.conv(out))
        out = self.gamma * out
        out = out.view(m_batchsize, -1, height, width)
        x = x * out + x
        return x


class HAN(nn.Module):
    def __init__(self, n_resgroups, n_resblocks, n_feats, reduction, scale, rgb_range=255, conv=default_conv):
        super().__init__()
        kernel_size = 3
        act = nn.ReLU(True)
        self.sub_mean = MeanShift(rgb_range)
        modules_head = [conv(3, n_feats, kernel_size)]
        modules_body = [ResidualGroup(conv, n_feats, kernel_size, reduction, act=act, res_scale=1, n_resblocks=n_resblocks) for _ in range(n_resgroups)]
        modules_body.append(conv(n_feats, n_feats, kernel_size))
        modules_tail = [Upsampler(conv, scale, n_feats), conv(n_feats, 3, kernel_size)]
        self.add_mean = MeanShift(rgb_range, sign=1)
        self.head = nn.Sequential(*modules_head)
        self.body = nn.Sequential(*modules_body)
        self.csa = CSAM_Module(n_feats)
        self.la = LAM_Module(n_feats)
        self.last_conv = nn.Conv2d(n_feats * (n_resgroups + 1), n_feats, 3, 1, 1)
        self.last = nn.Conv2d(n_feats * 2, n_feats, 3, 1, 1)
        self.tail = nn.Sequential(*modules_tail)

    def forward(self, x):
        x = self.sub_mean(x)
        x = self.head(x)
        res = x
        for name, midlayer in self.body._modules.items():
            res = midlayer(res)
            if name == '0':
                res1 = res.unsqueeze(1)
            else:
                res1 = torch.cat([res.unsqueeze(1), res1], 1)
        out1 = res
        res = self.la(res1)
        out2 = self.last_conv(res)
        out1 = self.csa(out1)
        out = torch.cat([out1, out2], 1)
        res = self.last(out)
        res += x
        x = self.tail(res)
        x = self.add_mean(x)
        return x


# ---- files --------------------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata=None):
    """The safetensors format (github.com/huggingface/safetensors): u64 header size, JSON header, data."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def randomize(model, gen):
    """Random weights a trained network could have: the default init, plus nonzero attention scales."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gamma"):
                p.copy_(torch.rand(p.shape, generator=gen) * 0.5 + 0.1)
            elif "mean" not in name and name.endswith("bias"):
                p.copy_((torch.rand(p.shape, generator=gen) - 0.5) * 0.2)
    return model


def make(out, name, model, h, w, gen, safetensors=False, legacy=False):
    model.eval()
    x = torch.rand(1, 3, h, w, generator=gen) * 255
    with torch.no_grad():
        y = model(x)
    sd = model.state_dict()
    torch.save(sd, os.path.join(out, f"{name}.pt"))
    if legacy:
        # The pre-1.6 format (the official EDSR weights are in it), wrapped as trainers save a
        # DataParallel model: {"state_dict": {"module.head.0.weight": ...}}.
        wrapped = {"state_dict": {f"module.{k}": v for k, v in sd.items()}}
        torch.save(wrapped, os.path.join(out, f"{name}-legacy.pt"), _use_new_zipfile_serialization=False)
    if safetensors:
        write_safetensors(os.path.join(out, f"{name}.safetensors"), sd, {"format": "pt"})
    write_safetensors(os.path.join(out, f"{name}-io.safetensors"), {"input": x, "output": y})
    print(f"{name}: {sum(p.numel() for p in sd.values())} values, input {list(x.shape)} -> output {list(y.shape)}, "
          f"output range [{y.min().item():.1f}, {y.max().item():.1f}]")


def train_briefly(model, folder, steps, gen, scale=4, patch=32, batch=8):
    import numpy as np
    from PIL import Image
    images = []
    for name in sorted(os.listdir(folder)):
        img = Image.open(os.path.join(folder, name)).convert("RGB")
        w, h = img.size[0] // scale * scale, img.size[1] // scale * scale
        if w >= patch * scale and h >= patch * scale:
            hr = img.crop((0, 0, w, h))
            lr = hr.resize((w // scale, h // scale), Image.BICUBIC)
            images.append((torch.from_numpy(np.asarray(hr).copy()).permute(2, 0, 1).float(), torch.from_numpy(np.asarray(lr).copy()).permute(2, 0, 1).float()))
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=2e-4)
    model.train()
    for step in range(steps):
        lrs, hrs = [], []
        for _ in range(batch):
            hr, lr = images[torch.randint(len(images), (1,), generator=gen).item()]
            y = torch.randint(lr.shape[1] - patch + 1, (1,), generator=gen).item()
            x = torch.randint(lr.shape[2] - patch + 1, (1,), generator=gen).item()
            lrs.append(lr[:, y:y + patch, x:x + patch])
            hrs.append(hr[:, y * scale:(y + patch) * scale, x * scale:(x + patch) * scale])
        loss = (model(torch.stack(lrs)) - torch.stack(hrs)).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0 or step == steps - 1:
            print(f"step {step}: L1 {loss.item():.2f} (0-255)", flush=True)
    model.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test/fixtures/interop")
    ap.add_argument("--full", default=None)
    ap.add_argument("--edsr-baseline", default=None)
    ap.add_argument("--train-steps", type=int, default=0)
    ap.add_argument("--train-data", default=None)
    a = ap.parse_args()
    gen = torch.Generator().manual_seed(17)
    torch.manual_seed(17)
    if a.edsr_baseline:
        model = randomize(EDSR(16, 64, 4), gen)
        if a.train_steps:
            train_briefly(model, a.train_data, a.train_steps, gen)
        torch.save(model.state_dict(), a.edsr_baseline)
        print(f"wrote {a.edsr_baseline}")
        return
    if a.full:
        os.makedirs(a.full, exist_ok=True)
        make(a.full, "edsr-baseline-x4", randomize(EDSR(16, 64, 4), gen), 24, 20, gen)
        make(a.full, "rcan-x4", randomize(RCAN(10, 20, 64, 16, 4), gen), 24, 20, gen)
        make(a.full, "han-x4", randomize(HAN(10, 20, 64, 16, 4), gen), 24, 20, gen)
        return
    os.makedirs(a.out, exist_ok=True)
    # Small variants, each scale's upsampler once: EDSR x4 (two x2 stages, residual scale 0.1 as
    # EDSR large), RCAN x3, HAN x2. Inputs are not square, so a swapped H and W shows.
    make(a.out, "edsr-x4", randomize(EDSR(2, 8, 4, res_scale=0.1), gen), 7, 5, gen, safetensors=True, legacy=True)
    make(a.out, "rcan-x3", randomize(RCAN(2, 2, 8, 4, 3), gen), 7, 5, gen)
    make(a.out, "han-x2", randomize(HAN(2, 1, 8, 4, 2), gen), 7, 5, gen)


if __name__ == "__main__":
    main()
