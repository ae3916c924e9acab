#!/usr/bin/python3
"""PyTorch anchor for one L1 training step (forward, backward, Adam) of the paper's generators at x4:
RCAN (10 groups x 20 RCABs, 64 channels, reduction 16; 15,592,355 parameters), HAN (RCAN's body with
layer attention over the 11 body outputs and channel-spatial attention, as pcl-stream's
src/dsl/architectures/han.ts; 16,071,745 parameters) or EDSR baseline (16 blocks x 64 channels;
1,517,571 parameters), with the RGB mean shift (no parameters); networks in pytorch_models.py.
LR patch 48, random data, channels_last, 2 threads. The bench's train-step-{rcan,han,edsr}-b2.
Prints one JSON line: {"model","batch","patch","params","expectedParams","recompute","device",
"bestMs","medianMs","peakRssGiB"[,"peakCudaGiB"]}.

Usage: /usr/bin/python3 pytorch_generator_step.py --model rcan|han|edsr [--batch 2] [--patch 48]
       [--steps 4] [--warmup 1] [--threads 2] [--recompute none|groups|blocks] [--device cpu|cuda]
Each step ends by reading the loss (loss.item()), as the bench reads ours. Peak RSS is the
process's maximum resident set (ru_maxrss), so run one model per process; on CUDA, peakCudaGiB is
torch.cuda.max_memory_allocated over the run.
"""
import argparse, json, resource, statistics
import torch

from pytorch_models import EXPECTED_PARAMS, check_params, generator, place, timed

p = argparse.ArgumentParser()
p.add_argument("--model", required=True, choices=["rcan", "han", "edsr"])
p.add_argument("--batch", type=int, default=2)
p.add_argument("--patch", type=int, default=48, help="LR patch size")
p.add_argument("--steps", type=int, default=4, help="timed steps")
p.add_argument("--warmup", type=int, default=1, help="untimed steps first")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--recompute", default="none", choices=["none", "groups", "blocks"], help="torch.utils.checkpoint on these residual units")
p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
dev = torch.device(args.device)
if args.device == "cuda" and not torch.cuda.is_available():
    raise SystemExit("--device cuda: this torch sees no CUDA device")

m = place(generator(args.model, args.recompute), dev)
params = check_params(args.model, m, EXPECTED_PARAMS[args.model])
opt = torch.optim.Adam(m.parameters(), 1e-4)
lr = torch.rand(args.batch, 3, args.patch, args.patch, device=dev).contiguous(memory_format=torch.channels_last)
hr = torch.rand(args.batch, 3, 4 * args.patch, 4 * args.patch, device=dev).contiguous(memory_format=torch.channels_last)
if args.device == "cuda":
    torch.cuda.reset_peak_memory_stats()


def step():
    opt.zero_grad(set_to_none=True)
    loss = (m(lr) - hr).abs().mean()
    loss.backward()
    opt.step()
    return loss.item()


times = timed(step, args.warmup, args.steps)
out = {
    "model": args.model, "batch": args.batch, "patch": args.patch, "params": params, "expectedParams": EXPECTED_PARAMS[args.model],
    "recompute": args.recompute, "device": args.device, "threads": args.threads, "torch": torch.__version__,
    "bestMs": round(min(times), 1), "medianMs": round(statistics.median(times), 1),
    "peakRssGiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
}
if args.device == "cuda":
    out["peakCudaGiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 3)
print(json.dumps(out))
