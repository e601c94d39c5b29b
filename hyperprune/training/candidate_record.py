"""One candidate trained to its budget without Ray: the per-epoch record a calibration keeps.

:func:`train_candidate` builds the :class:`~hyperprune.training.run.TrainingRun` exactly as the
search's trainable builds a candidate (the candidate's ``hparams`` split into method
hyperparameters and run settings, the master seed, the LS probe
seeded with the master seed) and trains it epoch by epoch to ``spec.train.epochs``. Each epoch is
measured by the run itself (:func:`~hyperprune.training.measure.measure`); the record keeps, per
epoch, the validation loss and figure, the full spectrum, the fair clock (``age``,
``cost_epochs``, ``rankable``, as the run reports them; age = epoch for a run without a clock),
the wall and CPU seconds, and at the end the test figures. Distances to the dense reference are
computed from the spectra afterwards (:func:`ls_distances`), at the same age of the reference.

Example::

    dense = train_candidate(spec, method="dense", seed=0)
    cand = train_candidate(spec, method="snip", sparsity=0.9, hparams={}, seed=0)
    ls_distances(cand, dense, "l2")
"""

from __future__ import annotations

import math
import time
from typing import Any

from hyperprune.config import RunSpec, override
from hyperprune.training.candidate_settings import split_settings


def _clock_fields(metrics: dict[str, Any]) -> tuple[int, float, bool]:
    epoch = int(metrics["epoch"])
    age = metrics.get("age")
    return (
        epoch if age is None else int(age),
        float(metrics.get("cost_epochs") or 0.0),
        bool(metrics.get("rankable", True)),
    )


def train_candidate(
    spec: RunSpec,
    *,
    method: str,
    sparsity: float = 0.0,
    hparams: dict | None = None,
    seed: int = 0,
    ls_seed: int | None = None,
    with_ls: bool = True,
    device: str = "cpu",
    init_seed: int | None = None,
) -> dict[str, Any]:
    """Train one candidate until its age reaches ``spec.train.epochs`` (at most the run's
    ``total_epochs`` iterations); its per-epoch record (see the module doc)."""
    from hyperprune.lyapunov.probe import LSProbe
    from hyperprune.training.run import TrainingRun

    method_hp, settings = split_settings(dict(hparams or {}))
    run_spec = override(spec, settings) if settings else spec
    run = TrainingRun(
        run_spec,
        method=method,
        sparsity=sparsity,
        hparams=method_hp,
        seed=seed,
        total_epochs=spec.train.epochs,
        device=device,
        init_seed=init_seed,
    )
    with_ls = with_ls and run.task_kind == "lm"
    if with_ls:
        run.attach_probe(LSProbe.for_run(run, seed if ls_seed is None else ls_seed))
    record: dict[str, Any] = {
        "epochs": [],
        "age": [],
        "cost_epochs": [],
        "rankable": [],
        "train_loss": [],
        "val_loss": [],
        "val_metric": [],
        "ls": [],
        "measured_sparsity": [],
        "wall_s": [],
        "cpu_s": [],
        "ls_epoch0": list(run.ls_epoch0),
        "diverged": False,
    }
    while not run.finished():
        wall, cpu = time.perf_counter(), time.process_time()
        metrics = run.train_epoch()
        age, cost, rankable = _clock_fields(metrics)
        diverged = bool(metrics.get("diverged"))
        record["epochs"].append(int(metrics["epoch"]))
        record["age"].append(age)
        record["cost_epochs"].append(cost)
        record["rankable"].append(rankable)
        record["train_loss"].append(float(metrics["train_loss"]))
        record["val_loss"].append(math.nan if diverged else float(metrics["val_loss"]))
        record["val_metric"].append(float(metrics.get("val_ppl", metrics.get("val_acc", math.nan))))
        record["ls"].append(list(metrics.get("ls") or []))
        record["measured_sparsity"].append(float(metrics.get("measured_sparsity") or 0.0))
        record["wall_s"].append(time.perf_counter() - wall)
        record["cpu_s"].append(time.process_time() - cpu)
        if diverged:
            record["diverged"] = True
            break
    if not record["diverged"]:
        record["test"] = {k: float(v) for k, v in run.evaluate("test").items()}
    return record


def train_job(job: dict[str, Any]) -> dict[str, Any]:
    """:func:`train_candidate` of a job dict (``spec``, ``method``, ``sparsity``, ``hparams``, ``seed``,
    ``device``; the LS probe seeded with the master seed), for process pools: the job
    with its ``record`` added."""
    record = train_candidate(
        job["spec"],
        method=job["method"],
        sparsity=job["sparsity"],
        hparams=job["hparams"],
        seed=job["seed"],
        ls_seed=job["seed"],
        device=job.get("device", "cpu"),
    )
    return {**job, "record": record}


def ls_distances(record: dict, dense: dict, variant: str = "l2") -> list[float]:
    """The LS distance ``variant`` of each measured epoch of ``record`` to the dense record at
    the same age (NaN where a spectrum is missing or the candidate is not rankable)."""
    from hyperprune.lyapunov.distance import spectrum_gap

    ref = [list(dense.get("ls_epoch0") or [])] + [list(s or []) for s in dense.get("ls") or []]
    mine = [list(record.get("ls_epoch0") or [])]
    out = []
    for i, spectrum in enumerate(record["ls"]):
        mine.append(list(spectrum or []))
        age = int(record["age"][i])
        own = mine[-(age + 1) :] if age >= 0 else []
        needed_own = own if variant == "trajectory" else own[-1:]
        needed_ref = ref[: age + 1] if variant == "trajectory" else ref[age : age + 1]
        if (
            age < 1
            or age >= len(ref)
            or not record["rankable"][i]
            or not needed_own
            or any(not s for s in needed_own)
            or any(not s for s in needed_ref)
        ):
            out.append(math.nan)
            continue
        out.append(spectrum_gap(variant, own, ref[: age + 1]))
    return out
