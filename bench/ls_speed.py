"""How close the Lyapunov-spectrum engine comes to the floor of its unavoidable work.

For a 2-layer LSTM (input size = hidden, batch 2, 35 steps, full spectrum k = 2 * hidden)
it times :func:`hyperprune.lyapunov.lyapunov_spectrum` and, in the same run, the floor: T
batched products ``(B, LH, LH) @ (B, LH, k)`` plus T batched QRs of ``(B, LH, k)`` on random
matrices, which any QR-every-step method has to do. Each figure is the median of several
repeats after a warm-up run; the two are measured alternately so machine noise hits both.

Usage::

    python bench/ls_speed.py                       # float32, CPU, hidden 128 256 512
    python bench/ls_speed.py --device cuda --dtype float64 --hidden 256 1024
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from hyperprune.lyapunov import lyapunov_spectrum


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn, device: torch.device) -> float:
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - start


def floor_work(jac: torch.Tensor, steps: int) -> torch.Tensor:
    """T steps of ``Q <- qr(J @ Q).Q`` on a fixed random ``J`` of shape ``(B, n, n)``."""
    q = torch.eye(jac.shape[-1], dtype=jac.dtype, device=jac.device).expand_as(jac).contiguous()
    for _ in range(steps):
        q, _ = torch.linalg.qr(torch.bmm(jac, q))
    return q


def bench_hidden(hidden: int, args: argparse.Namespace, device: torch.device, dtype: torch.dtype) -> tuple:
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(hidden, hidden, num_layers=args.layers).to(device=device, dtype=dtype).eval()
    inputs = torch.randn(args.steps, args.batch, hidden, device=device, dtype=dtype)
    n = args.layers * hidden
    jac = torch.randn(args.batch, n, n, device=device, dtype=dtype) / n**0.5

    def run_ls() -> None:
        lyapunov_spectrum(lstm, inputs, warmup=0)

    def run_floor() -> None:
        with torch.no_grad():
            floor_work(jac, args.steps)

    run_ls()
    run_floor()
    ls_times, floor_times = [], []
    for _ in range(args.repeats):
        ls_times.append(_timed(run_ls, device))
        floor_times.append(_timed(run_floor, device))
    ls_time, floor_time = statistics.median(ls_times), statistics.median(floor_times)
    return hidden, ls_time, floor_time, ls_time / floor_time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--steps", type=int, default=35)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype)
    print(
        f"# {args.layers}-layer LSTM, B={args.batch}, T={args.steps}, full spectrum, {args.dtype} on {device}, "
        f"{torch.get_num_threads()} threads, median of {args.repeats}"
    )
    print(f"{'hidden':>7} {'ls_time_s':>10} {'floor_time_s':>13} {'ls/floor':>9}")
    for hidden in args.hidden:
        h, ls_time, floor_time, ratio = bench_hidden(hidden, args, device, dtype)
        print(f"{h:>7} {ls_time:>10.3f} {floor_time:>13.3f} {ratio:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
