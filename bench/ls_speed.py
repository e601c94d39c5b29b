"""How close the Lyapunov-spectrum engine comes to the floor of its unavoidable work.

For a 2-layer LSTM (input size = hidden, batch 2, 35 steps, full spectrum k = 2 * hidden)
it times :func:`hyperprune.lyapunov.lyapunov_spectrum` with a QR every step and, in the same
run, the floor: T batched products ``(B, LH, LH) @ (B, LH, k)`` plus T batched QRs of
``(B, LH, k)`` on random matrices, which any QR-every-step method has to do. With
``--qr-every N`` (default: the run spec's ``train.ls_qr_every``) it also times the engine
re-orthonormalising every N steps against its own floor (T products, T/N QRs). Each figure is
the median of several repeats after a warm-up run; engine and floor are measured alternately
so machine noise hits both.

Usage::

    python bench/ls_speed.py                                   # float32, CPU, hidden 128 256 512
    python bench/ls_speed.py --hidden 1024 1500 --repeats 1 --warmup-runs 0
    python bench/ls_speed.py --device cuda --dtype float64 --hidden 1500
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch

from hyperprune.config import TrainConfig
from hyperprune.figures.bench_output import parse_bench_args, write_result
from hyperprune.lyapunov import lyapunov_spectrum

#: two hidden sizes of 5 steps, one run each
SMOKE = ["--hidden", "8", "16", "--steps", "5", "--repeats", "1", "--warmup-runs", "0"]
#: wall time, or this process's CPU time (steadier on a shared machine; single-threaded CPU runs only)
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn, device: torch.device, clock=time.perf_counter) -> float:
    _sync(device)
    start = clock()
    fn()
    _sync(device)
    return clock() - start


def floor_work(jac: torch.Tensor, steps: int, qr_every: int = 1) -> torch.Tensor:
    """T products ``Q <- J @ Q`` on a fixed random ``J`` of shape ``(B, n, n)``, a QR every ``qr_every``."""
    q = torch.eye(jac.shape[-1], dtype=jac.dtype, device=jac.device).expand_as(jac).contiguous()
    for t in range(steps):
        q = torch.bmm(jac, q)
        if (t + 1) % qr_every == 0 or t == steps - 1:
            q, _ = torch.linalg.qr(q)
    return q


def bench_hidden(
    hidden: int, qr_every: int, args: argparse.Namespace, device: torch.device, dtype: torch.dtype
) -> tuple[float, float]:
    """Median (engine, floor) seconds for one hidden size and re-orthonormalisation interval."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(hidden, hidden, num_layers=args.layers).to(device=device, dtype=dtype).eval()
    inputs = torch.randn(args.steps, args.batch, hidden, device=device, dtype=dtype)
    n = args.layers * hidden
    jac = torch.randn(args.batch, n, n, device=device, dtype=dtype) / n**0.5

    def run_ls() -> None:
        lyapunov_spectrum(lstm, inputs, warmup=0, qr_every=qr_every)

    def run_floor() -> None:
        with torch.no_grad():
            floor_work(jac, args.steps, qr_every)

    for _ in range(args.warmup_runs):
        run_ls()
        run_floor()
    ls_times, floor_times = [], []
    for _ in range(args.repeats):
        ls_times.append(_timed(run_ls, device, CLOCKS[args.clock]))
        floor_times.append(_timed(run_floor, device, CLOCKS[args.clock]))
    return statistics.median(ls_times), statistics.median(floor_times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--steps", type=int, default=35)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup-runs", type=int, default=1, help="untimed runs first (0 for large sizes)")
    parser.add_argument(
        "--qr-every",
        type=int,
        default=TrainConfig().ls_qr_every,
        help="also time re-orthonormalising every N steps (1: only the exact engine)",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall", help="cpu: process CPU seconds")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parse_bench_args(parser, SMOKE, argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype)
    intervals = [1] if args.qr_every == 1 else [1, args.qr_every]
    print(
        f"# {args.layers}-layer LSTM, B={args.batch}, T={args.steps}, full spectrum, {args.dtype} on {device}, "
        f"{torch.get_num_threads()} threads, {args.clock} seconds, median of {args.repeats}"
    )
    print(
        f"{'hidden':>7} {'qr_every':>8} {'ls_time_s':>10} {'floor_time_s':>13} {'ls/floor':>9} {'speedup':>8}"
    )
    rows = []
    for hidden in args.hidden:
        exact_time = math.nan
        for qr_every in intervals:
            ls_time, floor_time = bench_hidden(hidden, qr_every, args, device, dtype)
            exact_time = ls_time if qr_every == 1 else exact_time
            print(
                f"{hidden:>7} {qr_every:>8} {ls_time:>10.3f} {floor_time:>13.3f} {ls_time / floor_time:>9.2f} "
                f"{exact_time / ls_time:>7.2f}x",
                flush=True,
            )
            rows.append({"hidden": hidden, "steps": args.steps, "qr_every": qr_every, "ls_time_s": ls_time,
                         "floor_time_s": floor_time, "speedup": exact_time / ls_time})
    write_result(args, rows, clock=args.clock, dtype=args.dtype, device=str(device))


if __name__ == "__main__":
    main()
