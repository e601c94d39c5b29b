"""Dense versus hidden-unit-pruned and compacted language models: size, CPU latency, perplexity.

For each model size (the ``tiny`` preset's 2x128 LSTM and the ``paper`` preset's 2x1500 LSTM,
both on the embedded Penn Treebank sample unless ``--data-path`` points at a full PTB):

1. train the dense model for ``--dense-steps`` steps (one epoch capped at that many batches);
2. per unit sparsity (0.5, 0.67): keep the units with the largest weight magnitude (L1 norm of
   everything a unit owns, ``uniform`` allocation over layers), remove the others physically
   (:func:`~hyperprune.pruning.structured.hidden_unit_removal.remove_units`) and fine-tune the compacted
   model for ``--finetune-steps`` steps; the dense model gets the same number of extra steps;
3. report parameters, the size of the exported file (``hyperprune export``'s torch format),
   the CPU inference latency per token (one token per sequence and step, the hidden state
   carried, batch 1 and 20; median over repeats, dense and compact timed interleaved), and
   the validation perplexity (``--eval-batches`` windows).

Fine-tuning is short on purpose (a CPU budget): the perplexities compare models after equal,
small numbers of steps, not converged ones.

Example::

    python bench/compact_latency.py --sizes tiny --dense-steps 300 --finetune-steps 100
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from hyperprune.config import override, preset
from hyperprune.export import architecture, parameter_count, write_torch
from hyperprune.figures.bench_output import parse_bench_args, write_result
from hyperprune.pruning import UnitMaskSet, hidden_unit_space, remove_units, unit_scores
from hyperprune.training import TrainingRun
from hyperprune.training.lm_task import detach_hidden

SPARSITIES = (0.5, 0.67)
#: the tiny size, a few steps of each phase, one short timing
SMOKE = ["--sizes", "tiny", "--dense-steps", "3", "--finetune-steps", "2", "--eval-batches", "2",
         "--repeats", "1", "--latency-steps", "2"]


def spec_for(size: str, args):
    values = {"train.max_batches": args.dense_steps, "train.max_eval_batches": args.eval_batches,
              "train.nt_asgd": False, "train.threads": args.threads}
    if args.data_path:
        values.update({"data.name": "ptb", "data.path": args.data_path})
    else:
        values["data.name"] = "embedded"
    return override(preset(size), values)


def magnitude_units(model: nn.Module, sparsity: float) -> list[torch.Tensor]:
    masks = UnitMaskSet(model)
    space = hidden_unit_space(masks, sparsity, "uniform")
    scores = unit_scores(masks.layers, {name: param.detach().abs() for name, param, _ in masks})
    kept = space.top(scores)
    return [kept[name] for name in space.names]


def finetune(model: nn.Module, run: TrainingRun, steps: int, first_epoch: int) -> None:
    """``steps`` SGD steps (the run's learning rate and clipping) on the training windows after the dense phase."""
    cfg = run.spec.train
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    model.train()
    carry, done, epoch = None, 0, first_epoch
    while done < steps:
        for batch in run.task.train_batches(epoch):
            loss, carry, _ = run.task.train_loss(model, batch, carry)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optimizer.step()
            carry = detach_hidden(carry)
            done += 1
            if done >= steps:
                break
        epoch += 1
    model.eval()


@torch.no_grad()
def step_latency(models: dict[str, nn.Module], batch: int, steps: int, repeats: int) -> dict[str, float]:
    """Median seconds per one-token step of each model, timed interleaved."""
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            hidden = model.init_hidden(batch)
            token = torch.zeros(1, batch, dtype=torch.long)
            for _ in range(3):
                _, hidden = model(token, hidden)
            start = time.perf_counter()
            for _ in range(steps):
                _, hidden = model(token, hidden)
            times[name].append((time.perf_counter() - start) / steps)
    return {name: statistics.median(values) for name, values in times.items()}


def file_size(model: nn.Module, run: TrainingRun, directory: Path, name: str) -> int:
    path = directory / f"{name}.pt"
    write_torch(model, architecture(model, run), path)
    return path.stat().st_size


def bench_size(size: str, args) -> list[dict]:
    run = TrainingRun(spec_for(size, args), method="dense", total_epochs=1)
    run.train_epoch()
    dense_trained = copy.deepcopy(run.model).eval()
    models = {}
    for sparsity in SPARSITIES:
        small = remove_units(dense_trained, magnitude_units(dense_trained, sparsity))
        finetune(small, run, args.finetune_steps, first_epoch=2)
        models[f"units {sparsity}"] = small
    dense = copy.deepcopy(dense_trained)
    finetune(dense, run, args.finetune_steps, first_epoch=2)
    models = {"dense": dense, **models}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        latency = {b: step_latency(models, b, args.latency_steps, args.repeats) for b in (1, 20)}
        for name, model in models.items():
            rnn = model.rnn
            hidden = rnn.hidden_sizes if hasattr(rnn, "hidden_sizes") else [rnn.hidden_size] * rnn.num_layers
            rows.append({
                "size": size, "model": name, "hidden": "x".join(str(h) for h in hidden),
                "parameters": parameter_count(model),
                "file_mb": file_size(model, run, Path(tmp), name.replace(" ", "_")) / 2**20,
                "ms_b1": latency[1][name] * 1e3, "ms_b20": latency[20][name] * 1e3,
                "val_ppl": run.task.evaluate(model, "valid")["ppl"],
            })
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["tiny", "paper"], choices=["tiny", "paper"])
    parser.add_argument("--dense-steps", type=int, default=200, help="dense training steps before pruning")
    parser.add_argument("--finetune-steps", type=int, default=100, help="fine-tuning steps after pruning")
    parser.add_argument("--eval-batches", type=int, default=40, help="validation windows for the perplexity")
    parser.add_argument("--latency-steps", type=int, default=20, help="timed one-token steps per repeat")
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats (the median is reported)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--data-path", default=None, help="a PTB directory (default: the embedded sample)")
    args = parse_bench_args(parser, SMOKE, argv)
    torch.set_num_threads(args.threads)
    print("| size | model | hidden | parameters | file (MB) | ms/token b=1 | ms/token b=20 | val ppl |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    rows = []
    for size in args.sizes:
        for r in bench_size(size, args):
            rows.append(r)
            print(f"| {r['size']} | {r['model']} | {r['hidden']} | {r['parameters']:,} | {r['file_mb']:.2f} | "
                  f"{r['ms_b1']:.3f} | {r['ms_b20']:.3f} | {r['val_ppl']:.1f} |", flush=True)
    write_result(args, rows, dense_steps=args.dense_steps, finetune_steps=args.finetune_steps)


if __name__ == "__main__":
    main()
