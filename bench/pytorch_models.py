"""PyTorch mirrors of pcl-stream's paper networks, for the reference scripts in this folder
(pytorch_generator_step.py, pytorch_pcl_iteration.py, pytorch_inference.py).

Each mirrors the DSL graph layer for layer, so the parameter counts equal pcl-stream's
(`pcl-stream graph graphs/NAME.pcl.ts`):
  EDSR baseline  src/dsl/architectures/edsr.ts  16 res-blocks x 64          1,517,571
  RCAN           src/dsl/architectures/rcan.ts  10 groups x 20 RCABs x 64  15,592,355
  HAN            src/dsl/architectures/han.ts   RCAN body + layer attention
                 over the 11 body outputs + channel-spatial attention      16,071,745
  E (paper)      graphs/paper-recipe.ts, src/dsl/embedding.ts               4,693,185
All at x4 with the RGB mean shift (no parameters). 3x3 convs with bias and PyTorch's symmetric
k // 2 zero padding, as pcl-stream compiles them (src/compile/layer.ts).

`recompute` mirrors pcl-stream's CompileOptions.recompute with torch.utils.checkpoint: "blocks"
recomputes every residual unit that holds no other (EDSR's res-block, RCAB, HAN's channel-spatial
attention), "groups" every unit that holds only such blocks (EDSR's body, RCAN's and HAN's residual
groups), in the backward pass.
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

DIV2K_RGB_MEAN = (0.4488, 0.4371, 0.4040)


def conv(ci, co, k=3, stride=1):
    return nn.Conv2d(ci, co, k, stride, k // 2)


class Recomputed(nn.Module):
    """Runs `inner` under torch.utils.checkpoint when gradients are being recorded."""

    def __init__(s, inner):
        super().__init__()
        s.inner = inner

    def forward(s, x):
        if torch.is_grad_enabled() and x.requires_grad:
            return checkpoint(s.inner, x, use_reentrant=False)
        return s.inner(x)


def maybe(module, unit, recompute):
    """Wraps a residual unit ("block" or "group") when `recompute` names its kind."""
    return Recomputed(module) if (recompute, unit) in (("blocks", "block"), ("groups", "group")) else module


class MeanShift(nn.Module):
    def __init__(s, sign):
        super().__init__()
        s.register_buffer("shift", sign * torch.tensor(DIV2K_RGB_MEAN).view(1, 3, 1, 1))

    def forward(s, x):
        return x + s.shift


class ResBlock(nn.Module):
    """EDSR: x + conv(relu(conv(x)))."""

    def __init__(s, c):
        super().__init__()
        s.b = nn.Sequential(conv(c, c), nn.ReLU(True), conv(c, c))

    def forward(s, x):
        return x + s.b(x)


class ChannelAttention(nn.Module):
    def __init__(s, c, r):
        super().__init__()
        s.f = nn.Sequential(nn.AdaptiveAvgPool2d(1), conv(c, c // r, 1), nn.ReLU(True), conv(c // r, c, 1), nn.Sigmoid())

    def forward(s, x):
        return x * s.f(x)


class RCAB(nn.Module):
    def __init__(s, c, r):
        super().__init__()
        s.b = nn.Sequential(conv(c, c), nn.ReLU(True), conv(c, c), ChannelAttention(c, r))

    def forward(s, x):
        return x + s.b(x)


class Skip(nn.Module):
    """x + body(x)."""

    def __init__(s, body):
        super().__init__()
        s.body = body

    def forward(s, x):
        return x + s.body(x)


def residual_group(c, r, n, recompute):
    """RCAN: x + conv(RCAB^n(x))."""
    return maybe(Skip(nn.Sequential(*[maybe(RCAB(c, r), "block", recompute) for _ in range(n)], conv(c, c))), "group", recompute)


def upsampler(c, scale):
    steps = []
    for _ in range(int(math.log2(scale))):
        steps += [conv(c, 4 * c), nn.PixelShuffle(2)]
    return nn.Sequential(*steps)


class EDSR(nn.Module):
    def __init__(s, blocks=16, c=64, scale=4, recompute="none"):
        super().__init__()
        s.sub, s.add = MeanShift(-1), MeanShift(1)
        s.head = conv(3, c)
        s.body = maybe(Skip(nn.Sequential(*[maybe(ResBlock(c), "block", recompute) for _ in range(blocks)], conv(c, c))), "group", recompute)
        s.up = upsampler(c, scale)
        s.tail = conv(c, 3)

    def forward(s, x):
        return s.add(s.tail(s.up(s.body(s.head(s.sub(x))))))


class RCAN(nn.Module):
    def __init__(s, groups=10, blocks=20, c=64, r=16, scale=4, recompute="none"):
        super().__init__()
        s.sub, s.add = MeanShift(-1), MeanShift(1)
        s.head = conv(3, c)
        s.body = Skip(nn.Sequential(*[residual_group(c, r, blocks, recompute) for _ in range(groups)], conv(c, c)))
        s.up = upsampler(c, scale)
        s.tail = conv(c, 3)

    def forward(s, x):
        return s.add(s.tail(s.up(s.body(s.head(s.sub(x))))))


class ChannelSpatialAttention(nn.Module):
    """HAN's CSAM: x + x * gamma * sigmoid(conv3d(x as a one-channel volume)), gamma from 0."""

    def __init__(s):
        super().__init__()
        s.conv = nn.Conv3d(1, 1, 3, 1, 1)
        s.gamma = nn.Parameter(torch.zeros(1))

    def forward(s, x):
        att = torch.sigmoid(s.conv(x.unsqueeze(1))).squeeze(1) * s.gamma
        return x + x * att


class LayerAttention(nn.Module):
    """HAN's LAM over `n` stacked maps (channels n * C): softmax(rowmax(E) - E), E = Q Q^T; gamma * out + x."""

    def __init__(s, n):
        super().__init__()
        s.n = n
        s.gamma = nn.Parameter(torch.zeros(1))

    def forward(s, x):
        b, nc, h, w = x.shape
        q = x.reshape(b, s.n, -1)
        energy = torch.bmm(q, q.transpose(1, 2))
        attention = torch.softmax(energy.max(-1, keepdim=True)[0] - energy, -1)
        return s.gamma * torch.bmm(attention, q).view(b, nc, h, w) + x


class HAN(nn.Module):
    """pcl-stream's han(): head; trunk = x + fuse(cat(CSA(last stage), conv(LAM(stages, newest first)))); up; tail."""

    def __init__(s, groups=10, blocks=20, c=64, r=16, scale=4, recompute="none"):
        super().__init__()
        s.sub, s.add = MeanShift(-1), MeanShift(1)
        s.head = conv(3, c)
        s.stages = nn.ModuleList([residual_group(c, r, blocks, recompute) for _ in range(groups)] + [conv(c, c)])
        s.csa = maybe(ChannelSpatialAttention(), "block", recompute)
        s.lam = LayerAttention(groups + 1)
        s.lam_conv = conv((groups + 1) * c, c)
        s.fuse = conv(2 * c, c)
        s.up = upsampler(c, scale)
        s.tail = conv(c, 3)

    def forward(s, x):
        h = s.head(s.sub(x))
        y, outs = h, []
        for stage in s.stages:
            y = stage(y)
            outs.append(y)
        stacked = torch.cat(outs[::-1], 1)  # newest first, as pcl-stream's stack()
        t = h + s.fuse(torch.cat([s.csa(y), s.lam_conv(s.lam(stacked))], 1))
        return s.add(s.tail(s.up(t)))


def generator(name, recompute="none"):
    if name == "edsr":
        return EDSR(recompute=recompute)
    if name == "rcan":
        return RCAN(recompute=recompute)
    if name == "han":
        return HAN(recompute=recompute)
    raise ValueError(f"unknown model {name!r} (expected edsr, rcan or han)")


# Parameter counts of pcl-stream's graphs (pcl-stream graph graphs/NAME.pcl.ts), checked by the scripts.
EXPECTED_PARAMS = {"edsr": 1_517_571, "rcan": 15_592_355, "han": 16_071_745, "embedding": 4_693_185}


def haar_high_bands_weight(c=3):
    """Dense 2x2 stride-2 filter giving [LH c0..c2, HL c0..c2, HH c0..c2] (band-major, pcl-stream's haarBands)."""
    bands = [((0.5, 0.5), (-0.5, -0.5)), ((0.5, -0.5), (0.5, -0.5)), ((0.5, -0.5), (-0.5, 0.5))]  # LH, HL, HH
    w = torch.zeros(len(bands) * c, c, 2, 2)
    for k, b in enumerate(bands):
        for ch in range(c):
            w[k * c + ch, ch] = torch.tensor(b)
    return w


class Embedding(nn.Module):
    """The paper's E: Haar LH/HL/HH of the RGB input; 8 x [conv3x3 (stride), batch norm, LeakyReLU 0.2];
    taps after blocks 0, 2, 4, 6; head adaptive average pool to 4x4 + 1x1 conv (16 patch logits).
    Batch norm always uses the batch's statistics (pcl-stream keeps no running averages)."""

    def __init__(s, channels=(64, 64, 128, 128, 256, 256, 512, 512), strides=(1, 2, 1, 2, 1, 2, 1, 2), taps=(0, 2, 4, 6), pool=4):
        super().__init__()
        s.register_buffer("haar", haar_high_bands_weight())
        blocks, ci = [], 9
        for co, st in zip(channels, strides):
            blocks.append(nn.Sequential(conv(ci, co, 3, st), nn.BatchNorm2d(co, eps=1e-5, track_running_stats=False), nn.LeakyReLU(0.2)))
            ci = co
        s.blocks = nn.ModuleList(blocks)
        s.taps = taps
        s.head = nn.Sequential(nn.AdaptiveAvgPool2d(pool), conv(ci, 1, 1))

    def forward(s, img):
        x = F.conv2d(img, s.haar, stride=2)
        taps = []
        for i, b in enumerate(s.blocks):
            x = b(x)
            if i in s.taps:
                taps.append(x)
        return taps, s.head(x)


def place(module, device):
    """Moves `module` to `device` with its 2-D conv weights channels_last (Module.to(memory_format=...)
    refuses HAN's rank-5 Conv3d weight)."""
    module.to(device)
    for mod in module.modules():
        if isinstance(mod, nn.Conv2d):
            mod.weight.data = mod.weight.data.contiguous(memory_format=torch.channels_last)
    return module


def count(module):
    return sum(p.numel() for p in module.parameters())


def check_params(name, module, expected):
    """The module's parameter count; says on stderr when it is not pcl-stream's (the bench compares them too)."""
    n = count(module)
    if n != expected:
        print(f"WARNING {name}: {n} parameters, expected {expected} (pcl-stream's graph): not the same network", file=sys.stderr)
    return n


def timed(fn, warmup, reps):
    """Milliseconds of each of `reps` calls of fn(), after `warmup` untimed calls."""
    times = []
    for i in range(warmup + reps):
        t = time.perf_counter()
        fn()
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1000)
    return times
