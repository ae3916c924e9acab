#!/usr/bin/python3
"""PyTorch anchor for x4 inference of one square LR image with the paper's generators (EDSR baseline,
RCAN, HAN; pytorch_models.py; initial weights: the FLOPs are what count), tiled the way pcl-stream's
upscaleTiled tiles it (src/ops/tiled-upscale.ts, what `pcl-stream upscale` runs): the bench's
infer-edsr-512 and infer-rcan-512.

Tiling (--tile T --overlap O --radius R, the bench passes pcl-stream's defaults): per axis the image
is cut into n = ceil(len / (T - 2 O)) near-equal cells, each tile is its cell plus O pixels of
context where it has a neighbour, windows shifted inward at the border so all tiles have one size;
tiles go through G in groups of at most --tiles-per-call tiles and --batch-pixels LR pixels, under
no_grad; each tile's output is blended into the image with pcl-stream's feathering weights (linear
ramps over the overlaps, skipping the outer R pixels when O >= R) and the sum divided by the
weights; the result is brought to the host (.cpu()). --tile 0: the whole image in one call.

Prints one JSON line: {"model","size","tile","overlap","tiles","tileSide","tilesPerCall","params",
"expectedParams","device","bestMs","medianMs","peakRssGiB"[,"peakCudaGiB"]}.

Usage: /usr/bin/python3 pytorch_inference.py --model rcan|edsr|han [--size 512] [--tile 128]
       [--overlap 32] [--radius 32] [--tiles-per-call 8] [--batch-pixels 65536] [--reps 2]
       [--warmup 1] [--threads 2] [--device cpu|cuda]
"""
import argparse, json, math, resource, statistics
import torch

from pytorch_models import EXPECTED_PARAMS, check_params, generator, place, timed

p = argparse.ArgumentParser()
p.add_argument("--model", required=True, choices=["rcan", "edsr", "han"])
p.add_argument("--size", type=int, default=512, help="LR side")
p.add_argument("--tile", type=int, default=128, help="LR tile side, context included; 0: untiled")
p.add_argument("--overlap", type=int, default=32)
p.add_argument("--radius", type=int, default=32, help="the generator's receptive radius (pcl-stream's receptiveField)")
p.add_argument("--tiles-per-call", type=int, default=8)
p.add_argument("--batch-pixels", type=int, default=128 * 128 * 4)
p.add_argument("--reps", type=int, default=2)
p.add_argument("--warmup", type=int, default=1)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
if args.device == "cuda" and not torch.cuda.is_available():
    raise SystemExit("--device cuda: this torch sees no CUDA device")
dev = torch.device(args.device)
S = 4


def plan_axis(length, tile, overlap, radius, scale):
    """pcl-stream's planAxis: (tile side, window starts, per-tile output weights)."""
    if tile == 0 or length <= tile:
        return length, [0], [torch.ones(length * scale)]
    cell_max = tile - 2 * overlap
    n = math.ceil(length / cell_max)
    bounds = [(k * length) // n for k in range(n + 1)]
    size = min(length, max(bounds[k + 1] - bounds[k] for k in range(n)) + 2 * overlap)
    margin = radius if overlap >= radius else 0
    ramp = scale * 2 * (overlap - margin)

    def rise(X, b):
        t0 = scale * (b - overlap + margin)
        if ramp == 0:
            return 1.0 if X >= scale * b else 0.0
        return min(1.0, max(0.0, (X - t0 + 0.5) / ramp))

    starts, weights = [], []
    for k in range(n):
        start = min(max(bounds[k] - overlap, 0), length - size)
        w = torch.tensor([(rise(start * scale + i, bounds[k]) if k > 0 else 1.0) * (1 - rise(start * scale + i, bounds[k + 1]) if k < n - 1 else 1.0)
                          for i in range(size * scale)])
        starts.append(start)
        weights.append(w)
    return size, starts, weights


G = place(generator(args.model), dev).eval()
params = check_params(args.model, G, EXPECTED_PARAMS[args.model])
lr = torch.rand(1, 3, args.size, args.size)
side, starts, weights = plan_axis(args.size, args.tile, args.overlap, args.radius, S)
weights = [w.to(dev) for w in weights]
tiles = [(i, j) for i in range(len(starts)) for j in range(len(starts))]
per_call = max(1, min(args.tiles_per_call, args.batch_pixels // (side * side)))
groups = [tiles[g:g + per_call] for g in range(0, len(tiles), per_call)]
lr_dev = lr.to(dev)


def upscale():
    out = torch.zeros(3, args.size * S, args.size * S, device=dev)
    norm = torch.zeros(args.size * S, args.size * S, device=dev)
    with torch.no_grad():
        for group in groups:
            x = torch.stack([lr_dev[0, :, starts[i]:starts[i] + side, starts[j]:starts[j] + side] for i, j in group])
            y = G(x.contiguous(memory_format=torch.channels_last))
            for b, (i, j) in enumerate(group):
                w = weights[i][:, None] * weights[j][None, :]
                oy, ox = starts[i] * S, starts[j] * S
                out[:, oy:oy + side * S, ox:ox + side * S] += w * y[b]
                norm[oy:oy + side * S, ox:ox + side * S] += w
    return (out / norm).cpu()


if args.device == "cuda":
    torch.cuda.reset_peak_memory_stats()
times = timed(upscale, args.warmup, args.reps)
out = {
    "model": args.model, "size": args.size, "tile": args.tile, "overlap": args.overlap, "tiles": len(tiles), "tileSide": side,
    "tilesPerCall": per_call, "params": params, "expectedParams": EXPECTED_PARAMS[args.model], "device": args.device,
    "threads": args.threads, "torch": torch.__version__,
    "bestMs": round(min(times), 1), "medianMs": round(statistics.median(times), 1),
    "peakRssGiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
}
if args.device == "cuda":
    out["peakCudaGiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 3)
print(json.dumps(out))
