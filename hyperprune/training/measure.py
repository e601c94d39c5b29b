"""The one measurement of a network at an epoch: loss, quality, spectrum, sparsity, divergence.

The candidate trainable, the dense reference and the benchmarks all measure through
:func:`measure`, on the same network state: after the epoch's training and the pruning method's
end-of-epoch update, with the weights that are evaluated and saved (the masked averages under
NT-ASGD). The sparsity is counted from those very weights, so a row of the pool never mixes two
states of a network.

``measured_sparsity`` counts the weights that are pruned in the measured network: masked *and*
zero in the evaluated weights (a masked weight that is not zero would count as kept, so a
method cannot claim a sparsity its weights do not have). ``sparsity`` counts every zero weight,
which also includes kept weights that happen to be exactly zero: a dynamic-sparse-training
regrowth starts at zero, and the embedding weights of a rare word that input dropout removed at
each of its few occurrences may not have moved yet.

Example::

    probe = LSProbe.for_run(run, seed=0)
    m = measure(run, probe)     # {"val_loss", "val_ppl", "ls", "measured_sparsity", "diverged"}
"""

from __future__ import annotations

import math
import time
from typing import Any

from hyperprune.lyapunov.unit_spectrum import spectrum_network
from hyperprune.pruning import sparsity_report


def measure(run, probe=None, timing: dict[str, float] | None = None) -> dict[str, Any]:
    """Measure ``run``'s current network on the validation split (and with ``probe``, its LS).

    Returns ``val_loss``, ``val_ppl`` (language models) or ``val_acc``, ``measured_sparsity``
    (pruned fraction of the method's prunable weights, see above), ``sparsity`` (zero fraction),
    ``ls`` (the spectrum, or an empty list without a probe) and ``diverged`` (a non-finite loss
    or spectrum). With ``timing``, the seconds of the evaluation and of the spectrum are put in
    it (``eval_s``, ``ls_s``); they are kept out of the returned figures, which are reproducible.
    """
    timing = {} if timing is None else timing
    metric_key = "val_ppl" if run.task_kind == "lm" else "val_acc"
    with run.evaluation_weights():
        start = time.perf_counter()
        result = run.task.evaluate(run.model, "valid")
        zeros = float(sparsity_report(run.model, run.method.masks.names)["global"]["sparsity"])
        pruned = pruned_fraction(run.method.masks)
        timing["eval_s"] = time.perf_counter() - start
        start = time.perf_counter()
        measured = spectrum_network(run) if probe is not None else None
        spectrum = probe.spectrum_of(measured) if probe is not None and math.isfinite(result["loss"]) else []
        timing["ls_s"] = time.perf_counter() - start
    loss = float(result["loss"])
    diverged = not math.isfinite(loss) or not all(math.isfinite(x) for x in spectrum)
    quality = result.get("ppl", result.get("accuracy"))
    return {
        "val_loss": math.inf if diverged else loss,
        metric_key: float(quality) if not diverged else (math.inf if metric_key == "val_ppl" else 0.0),
        "measured_sparsity": pruned,
        "sparsity": zeros,
        "ls": spectrum,
        "diverged": diverged,
    }


def pruned_fraction(masks) -> float:
    """Fraction of the masked parameters' weights that are masked and exactly zero."""
    pruned, total = 0, 0
    for _, param, mask in masks:
        pruned += int(((~mask) & (param.detach() == 0)).sum())
        total += mask.numel()
    return pruned / total if total else 0.0
