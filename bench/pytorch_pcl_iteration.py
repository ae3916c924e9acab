#!/usr/bin/python3
"""PyTorch anchor for one full PCL iteration with the paper's recipe (graphs/paper-recipe.ts), as
pcl-stream's trainStep runs it (src/pipelines/train/train-step.ts) with the contrastive term on:
the bench's pcl-iteration-{rcan,edsr}-b16 and pcl-iteration-rcan-b2.

  G   RCAN (15,592,355 parameters) or EDSR baseline (1,517,571), x4 (pytorch_models.py)
  E   the paper's embedding network (4,693,185 parameters): Haar LH/HL/HH of the RGB input,
      8 x [conv3x3, batch norm (batch statistics), LeakyReLU 0.2] with channels
      64,64,128,128,256,256,512,512 and strides 1,2,1,2,1,2,1,2; taps after blocks 0,2,4,6;
      head adaptive average pool 4 + 1x1 conv (16 patch logits per image)
  per iteration, on a random batch (LR B x 3 x P x P, HR B x 3 x 4P x 4P):
    contrast  positives = HR + 3 sharpened copies (PIL-style: s = smooth3x3(HR), reflect padding;
              HR + (f - 1)(HR - s), f ~ U[0.5, 3) per sample); negatives = 4 Gaussian-blurred
              copies (per sample: size from {3,5,7,9,11}, sigma_x, sigma_y ~ U[0.1, 2), reflect
              padding; the batch folded into channels, kernels zero-padded to the largest, two 1-D
              depthwise convolutions, as src/ops/gaussian-blur.ts)
    SR = G(LR)
    D step    dual contrastive loss (paper Eq. 7; src/ops/dual-contrastive-loss.ts) on E(HR) and
              E(SR detached), each set through E on its own (batch norm), Adam on E
    G step    L1(SR, HR) + 1 * InfoNCE (tau 1, mean over the 4 taps): E frozen (no update, no
              weight gradients) but differentiated through; E(positives), E(negatives) without
              gradients, each of the 8 sets on its own; similarity = mean over pixels of the
              cosine of the channel vectors (norms clamped at 1e-8), as one batched product;
              Adam on G. E has been updated by the D step when G's loss reads it (pcl-stream's order).
  Adam lr 1e-4 on both (betas 0.9, 0.999, eps 1e-8); channels_last; 2 threads by default.
Each iteration ends by reading both losses (.item()), as the bench reads ours (readStep).

Prints the parameter counts of G and E (and whether they equal pcl-stream's), then one JSON line:
{"model","batch","patch","params","paramsE","expectedParams","expectedParamsE","recompute","device",
"bestMs","medianMs","peakRssGiB"[,"peakCudaGiB"]}.

Usage: /usr/bin/python3 pytorch_pcl_iteration.py --model rcan|edsr [--batch 16] [--patch 48]
       [--steps 2] [--warmup 1] [--threads 2] [--recompute none|groups|blocks] [--device cpu|cuda]
Peak RSS is the process's ru_maxrss (run one configuration per process); on CUDA, peakCudaGiB is
torch.cuda.max_memory_allocated over the run.
"""
import argparse, json, resource, statistics, sys
import torch
import torch.nn.functional as F

from pytorch_models import EXPECTED_PARAMS, Embedding, check_params, generator, place, timed

p = argparse.ArgumentParser()
p.add_argument("--model", required=True, choices=["rcan", "edsr", "han"])
p.add_argument("--batch", type=int, default=16)
p.add_argument("--patch", type=int, default=48, help="LR patch size")
p.add_argument("--steps", type=int, default=2, help="timed iterations")
p.add_argument("--warmup", type=int, default=1, help="untimed iterations first")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--recompute", default="none", choices=["none", "groups", "blocks"], help="torch.utils.checkpoint on G's residual units")
p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
p.add_argument("--tau", type=float, default=1.0)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
if args.device == "cuda" and not torch.cuda.is_available():
    raise SystemExit("--device cuda: this torch sees no CUDA device")
dev = torch.device(args.device)
CL = torch.channels_last
B, P, S = args.batch, args.patch, 4
K_POS, K_NEG, TAP_W = 4, 4, 0.25
BLUR_SIZES, SIGMA_MIN, SIGMA_MAX, SHARP_MIN, SHARP_MAX = (3, 5, 7, 9, 11), 0.1, 2.0, 0.5, 3.0

G = place(generator(args.model, args.recompute), dev)
E = place(Embedding(), dev)
params_g = check_params(args.model, G, EXPECTED_PARAMS[args.model])
params_e = check_params("embedding", E, EXPECTED_PARAMS["embedding"])
print(f"G ({args.model}) {params_g} parameters (pcl-stream {EXPECTED_PARAMS[args.model]}), "
      f"E {params_e} (pcl-stream {EXPECTED_PARAMS['embedding']})", file=sys.stderr)
optG = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
optE = torch.optim.Adam(E.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
lr = torch.rand(B, 3, P, P, device=dev).contiguous(memory_format=CL)
hr = torch.rand(B, 3, S * P, S * P, device=dev).contiguous(memory_format=CL)
SMOOTH = (torch.tensor([[1., 1., 1.], [1., 5., 1.], [1., 1., 1.]]) / 13).view(1, 1, 3, 3).repeat(3, 1, 1, 1).to(dev)
gen = torch.Generator().manual_seed(1)


def uniform(lo, hi, n):
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def sharpen(x, factors):
    s = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), SMOOTH, groups=3)
    return x + (factors - 1).view(-1, 1, 1, 1).to(x.device) * (x - s)


def gauss1d(size, sigma, taps):
    half = (size - 1) / 2
    g = torch.exp(-0.5 * ((torch.arange(size, dtype=torch.float64) - half) / sigma) ** 2)
    g = g / g.sum()
    out = torch.zeros(taps, dtype=torch.float64)
    off = (taps - size) // 2
    out[off:off + size] = g
    return out.float()


def blur(x, sizes, sx, sy):
    n, c, h, w = x.shape
    pad = max(sizes) // 2
    taps = 2 * pad + 1
    ky = torch.stack([gauss1d(sizes[i], float(sy[i]), taps) for i in range(n)]).repeat_interleave(c, 0)  # (n*c, taps)
    kx = torch.stack([gauss1d(sizes[i], float(sx[i]), taps) for i in range(n)]).repeat_interleave(c, 0)
    folded = F.pad(x, (pad, pad, pad, pad), mode="reflect").reshape(1, n * c, h + 2 * pad, w + 2 * pad)
    y = F.conv2d(folded, ky.view(n * c, 1, taps, 1).to(x.device), groups=n * c)
    y = F.conv2d(y, kx.view(n * c, 1, 1, taps).to(x.device), groups=n * c)
    return y.reshape(n, c, h, w).contiguous(memory_format=CL)


def make_contrast():
    """HR + 3 sharpened positives, 4 blurred negatives (the parameters drawn per iteration and sample)."""
    pos = [hr] + [sharpen(hr, uniform(SHARP_MIN, SHARP_MAX, B)) for _ in range(K_POS - 1)]
    neg = []
    for _ in range(K_NEG):
        sizes = [BLUR_SIZES[int(i)] for i in torch.randint(len(BLUR_SIZES), (B,), generator=gen)]
        neg.append(blur(hr, sizes, uniform(SIGMA_MIN, SIGMA_MAX, B), uniform(SIGMA_MIN, SIGMA_MAX, B)))
    return pos, neg


def set_req(m, flag):
    for q in m.parameters():
        q.requires_grad_(flag)


def dual_contrastive(real, fake):
    r, f = real.reshape(-1), fake.reshape(-1)
    return F.softplus(torch.logsumexp(f, 0) - r).mean() + F.softplus(torch.logsumexp(-r, 0) + f).mean()


def unit(x):
    return x * torch.rsqrt(torch.clamp((x * x).sum(1, keepdim=True), min=1e-16))


def similarities(anchor, others):
    """[N, K]: per sample, mean over pixels of the channel cosine of anchor and each of K maps."""
    n, c, h, w = anchor.shape
    a = unit(anchor).reshape(n, c * h * w, 1)
    o = torch.stack([unit(t) for t in others], 1).reshape(n, len(others), c * h * w)
    return torch.bmm(o, a).squeeze(2) / (h * w)


def info_nce(sim, tau):
    pos, neg = sim[:, :K_POS] / tau, sim[:, K_POS:] / tau
    return F.softplus(torch.logsumexp(neg, 1, keepdim=True) - pos).mean()


def iteration():
    with torch.no_grad():
        pos, neg = make_contrast()
    sr = G(lr)
    # D step on the detached SR: HR and SR through E separately (batch norm statistics per set).
    set_req(E, True)
    optE.zero_grad(set_to_none=True)
    d_loss = dual_contrastive(E(hr)[1], E(sr.detach())[1])
    d_loss.backward()
    optE.step()
    # G step: E frozen, differentiated through; its features of the 8 contrast sets are constants.
    set_req(E, False)
    optG.zero_grad(set_to_none=True)
    taps_sr = E(sr)[0]
    with torch.no_grad():
        other = [E(x)[0] for x in pos + neg]
    cl = sum(TAP_W * info_nce(similarities(t, [o[i] for o in other]), args.tau) for i, t in enumerate(taps_sr))
    g_loss = (sr - hr).abs().mean() + 1.0 * cl
    g_loss.backward()
    optG.step()
    return d_loss.item(), g_loss.item()


if args.device == "cuda":
    torch.cuda.reset_peak_memory_stats()
times = timed(iteration, args.warmup, args.steps)
out = {
    "model": args.model, "batch": B, "patch": P, "params": params_g, "paramsE": params_e,
    "expectedParams": EXPECTED_PARAMS[args.model], "expectedParamsE": EXPECTED_PARAMS["embedding"],
    "recompute": args.recompute, "device": args.device, "threads": args.threads, "torch": torch.__version__,
    "bestMs": round(min(times), 1), "medianMs": round(statistics.median(times), 1),
    "peakRssGiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
}
if args.device == "cuda":
    out["peakCudaGiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 3)
print(json.dumps(out))
