"""Figures of one finished candidate, from its checkpoint: what a person choosing from a front needs.

* kept parameters: the parameters of the whole evaluated network that are not pruned (masked
  and zero, counted from its weights), and the sparsity of its prunable weights;
* the size of its export file: compacted for structured pruning; otherwise the smaller of the
  dense layout and sparse tensors (``hyperprune export`` with or without ``--sparse``);
* for a structured winner, the compact model's CPU time per token (one token per step, the hidden
  state carried, batch 1; the median over repeats).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch

LATENCY_STEPS = 50
LATENCY_REPEATS = 5


def counted(run) -> dict:
    """Kept parameters and sparsity counted from the weights that are evaluated: a weight is pruned
    when it is masked and zero (as in the pool's ``measured_sparsity``); every other parameter of
    the network, prunable or not, is kept."""
    from hyperprune.training.measure import pruned_fraction

    with run.evaluation_weights():
        report = run.sparsity_report()
        sparsity = float(pruned_fraction(run.method.masks))
    total = int(report["all_parameters"]["total"])
    pruned = round(sparsity * report["global"]["total"])
    return {
        "kept_parameters": total - pruned,
        "total_parameters": total,
        "prunable_parameters": int(report["global"]["total"]),
        "measured_sparsity": sparsity,
    }


def exported(run, folder: Path) -> dict:
    """Export the candidate into ``folder/model.pt``: compacted when structured; otherwise the
    smaller of the dense layout and sparse tensors (sparse storage pays an index per kept weight,
    so it only wins at high sparsity). Its size, layout and whether it was compacted."""
    from hyperprune.export import export_run, is_structured, load_exported

    structured = is_structured(run)
    target = folder / "model.pt"
    info = export_run(run, target)
    sparse = False
    if not structured:
        trial = folder / "model-sparse.pt"
        sparse_info = export_run(run, trial, sparse=True)
        if sparse_info["file_bytes"] < info["file_bytes"]:
            trial.replace(target)
            info, sparse = {**sparse_info, "file_bytes": target.stat().st_size}, True
        else:
            trial.unlink()
    figures = {
        "export": "model.pt",
        "export_bytes": int(info["file_bytes"]),
        "export_sparse": sparse,
        "structured": structured,
        "ms_per_token": None,
    }
    if structured:  # a recurrent language model's compact module; None for other models
        figures["ms_per_token"] = ms_per_token(load_exported(target))
    return figures


def ms_per_token(model) -> float | None:
    """Median milliseconds of one one-token step (batch 1, hidden state carried)."""
    if not hasattr(model, "init_hidden"):
        return None
    times = []
    with torch.no_grad():
        for _ in range(LATENCY_REPEATS):
            hidden = model.init_hidden(1)
            token = torch.zeros(1, 1, dtype=torch.long)
            _, hidden = model(token, hidden)
            start = time.perf_counter()
            for _ in range(LATENCY_STEPS):
                _, hidden = model(token, hidden)
            times.append((time.perf_counter() - start) / LATENCY_STEPS)
    return round(statistics.median(times) * 1e3, 4)
