"""The LS of a paper-preset network (2x1500 LSTM) as the search measures it, in both precisions.

Builds the ``paper`` preset's model on the embedded corpus (or ``--data-path`` PTB), optionally
trains it for ``--train-batches`` batches so the spectrum is not the one at init, and measures
the LS on the search's evaluation batch in float32 and float64, each with a QR every step and
with the run spec's ``train.ls_qr_every``. Prints each time (after a warm-up call), the largest
exponent difference and the LS distance between the settings, and the time of the training
batches for scale (``--train-batches`` of ``train.max_batches``-free epoch: steps per epoch are
printed, so the LS's share of a training epoch follows).

Usage::

    python bench/paper_ls.py --device cuda
    python bench/paper_ls.py --device cpu --hidden 256      # a smaller stand-in on a CPU
"""

from __future__ import annotations

import argparse
import time

import torch

from hyperprune.config import override, preset
from hyperprune.figures.bench_output import parse_bench_args, write_result
from hyperprune.lyapunov import ls_distance
from hyperprune.lyapunov.probe import LSProbe
from hyperprune.training.run import TrainingRun

#: a 2x16 stand-in on the CPU, 2 training batches
SMOKE = ["--device", "cpu", "--hidden", "16", "--train-batches", "2"]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed_spectrum(run: TrainingRun, dtype: torch.dtype, qr_every: int) -> tuple:
    """The search's probe of ``run`` (its spec's batches and steps) with this precision and interval."""
    cfg = run.spec.train
    probe = LSProbe.build(
        run.data.valid,
        batch_size=cfg.ls_batch_size,
        steps=cfg.ls_steps,
        warmup=cfg.ls_warmup,
        batches=cfg.ls_batches,
        seed=0,
        k=cfg.ls_k,
        device=run.device,
        qr_every=qr_every,
        dtype=dtype,
    )
    _sync(run.device)
    start = time.perf_counter()
    spectrum = torch.tensor(probe.spectrum(run), dtype=torch.float64)
    _sync(run.device)
    return spectrum, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--hidden", type=int, default=None, help="override the preset's 1500 (CPU stand-in)")
    parser.add_argument("--data-path", default=None, help="a PTB directory (default: the embedded corpus)")
    parser.add_argument("--train-batches", type=int, default=50)
    args = parse_bench_args(parser, SMOKE, argv)
    values = (
        {"data.name": "ptb", "data.path": args.data_path} if args.data_path else {"data.name": "embedded"}
    )
    if args.hidden:
        values.update({"model.hidden_size": args.hidden, "model.emb_size": args.hidden})
    spec = override(
        preset("paper"), {**values, "train.max_batches": args.train_batches, "train.max_eval_batches": 1}
    )
    run = TrainingRun(spec, total_epochs=1, device=args.device)
    steps_full = run.task.total_train
    _sync(run.device)
    start = time.perf_counter()
    run.train_epoch()
    _sync(run.device)
    train_s = time.perf_counter() - start
    per_batch = train_s / run.task.steps_per_epoch
    cfg = spec.train
    print(
        f"# paper preset, 2x{spec.model.hidden_size} LSTM on {args.device}, LS {cfg.ls_batches} batch(es) of "
        f"{cfg.ls_batch_size}, "
        f"{cfg.ls_steps} steps after {cfg.ls_warmup} warm-up, full spectrum ({2 * spec.model.hidden_size})"
    )
    print(
        f"# trained {run.task.steps_per_epoch} batches in {train_s:.2f} s ({per_batch * 1000:.1f} ms a batch); "
        f"a full epoch of this corpus is {steps_full} batches, about {per_batch * steps_full:.1f} s"
    )
    settings = [
        (torch.float64, 1),
        (torch.float32, 1),
        (torch.float64, cfg.ls_qr_every),
        (torch.float32, cfg.ls_qr_every),
    ]
    results = {}
    for dtype, qr_every in dict.fromkeys(settings):
        timed_spectrum(run, dtype, qr_every)  # warm-up (allocations, kernels)
        results[(dtype, qr_every)] = timed_spectrum(run, dtype, qr_every)
    exact, _ = results[(torch.float64, 1)]
    print(f"{'setting':<26} {'time_s':>8} {'share_of_epoch':>15} {'max_abs_diff':>13} {'ls_distance':>12}")
    rows = []
    for (dtype, qr_every), (spectrum, seconds) in results.items():
        share = seconds / (per_batch * steps_full)
        diff = (spectrum - exact).abs().max().item()
        print(
            f"{str(dtype)[6:]:>7} qr_every={qr_every:<8d} {seconds:>8.2f} {share:>14.1%} {diff:>13.2e} "
            f"{ls_distance(spectrum, exact):>12.4f}"
        )
        rows.append({"dtype": str(dtype)[6:], "qr_every": qr_every, "seconds": seconds, "share_of_epoch": share,
                     "max_abs_diff": diff, "ls_distance": ls_distance(spectrum, exact)})
    print(
        f"# spectrum range (float64, exact): {exact.min().item():.3f} .. {exact.max().item():.3f}, "
        f"norm {exact.norm().item():.3f}"
    )
    write_result(args, rows, device=args.device, hidden=spec.model.hidden_size, train_s=train_s,
                 epoch_batches=steps_full)


if __name__ == "__main__":
    main()
