"""Ask/tell optimisers that propose candidates: hyperopt TPE and ATPE, Optuna TPE, random.

Each backend proposes a candidate as ``(token, {"method": ..., "hparams": {...}})`` with
:meth:`ask` and learns its score (lower is better) with :meth:`tell`. Backends are plain,
picklable objects so that Ray can save them with the experiment and a resumed search continues
the same sequence of proposals.

Example::

    backend = SEARCHERS.get("tpe")(space, seed=0, startup=4)
    token, candidate = backend.ask()
    backend.tell(token, 123.4)
"""

from __future__ import annotations

import copy
import datetime
import math
import random
from typing import Any

import numpy as np

from hyperprune.registry import Registry
from hyperprune.search.space import Domain, SearchSpace

SEARCHERS = Registry("searcher")


def _label(method: str, param: str) -> str:
    return f"{method}.{param}"


def _finite(score: float) -> float:
    """Scores of diverged or failed candidates become a large finite loss the models can use."""
    return float(score) if math.isfinite(score) else 1e9


@SEARCHERS.register("random")
class RandomBackend:
    """Independent uniform sampling of the space (log-uniform where declared)."""

    def __init__(self, space: SearchSpace, seed: int, startup: int = 0) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.asked = 0

    def _sample(self, d: Domain) -> Any:
        if d.kind == "fixed":
            return d.value
        if d.kind == "choice":
            return d.choices[int(self.rng.integers(len(d.choices)))]
        if d.log:
            value = math.exp(self.rng.uniform(math.log(d.low), math.log(d.high)))
        elif d.step or d.kind == "int":
            step = d.step or 1
            n = int(round((d.high - d.low) / step))
            value = d.low + step * int(self.rng.integers(n + 1))
        else:
            value = self.rng.uniform(d.low, d.high)
        return d.snap(value)

    def ask(self) -> tuple[int, dict]:
        m = self.space.methods[int(self.rng.integers(len(self.space.methods)))]
        params = {k: self._sample(d) for k, d in m.params.items()}
        self.asked += 1
        return self.asked, self.space.repaired({"method": m.method, "hparams": params})

    def tell(self, token: int, score: float) -> None:
        pass


_EPOCH_TIME = datetime.datetime(2000, 1, 1)


def _objective(_: Any) -> dict:
    """hyperopt needs a picklable objective; scores arrive through :meth:`tell` instead."""
    return {"status": "ok", "loss": 0.0}


class HyperoptBackend:
    """hyperopt's suggest algorithms driven one proposal at a time from completed trials only."""

    algorithm = "tpe"

    def __init__(self, space: SearchSpace, seed: int, startup: int = 5) -> None:
        from hyperopt import Domain as HDomain
        from hyperopt import hp

        options = []
        for m in space.methods:
            params = {}
            for key, d in m.params.items():
                label = _label(m.method, key)
                if d.kind == "fixed":
                    params[key] = d.value
                elif d.kind == "choice":
                    params[key] = hp.choice(label, list(d.choices))
                elif d.log:
                    params[key] = hp.loguniform(label, math.log(d.low), math.log(d.high))
                elif d.step or d.kind == "int":
                    # quniform, not uniformint: ATPE cannot handle the latter
                    params[key] = hp.quniform(label, d.low, d.high, d.step or 1)
                else:
                    params[key] = hp.uniform(label, d.low, d.high)
            options.append({"method": m.method, "hparams": params})
        self.hspace = hp.choice("method", options)
        self.space = space
        self.domain = HDomain(_objective, self.hspace)
        self.seed = seed
        self.startup = max(1, startup)
        self.completed: list[dict] = []
        self.pending: dict[int, dict] = {}
        self.next_id = 0

    def _trials(self):
        from hyperopt import Trials

        trials = Trials()
        trials.insert_trial_docs(copy.deepcopy(self.completed))
        trials.refresh()
        return trials

    def _suggest(self, new_id: int, trials) -> list[dict]:
        from hyperopt import rand, tpe

        if len(self.completed) < self.startup:
            # what tpe.suggest returns before its start-up count, without building its posterior
            return rand.suggest([new_id], self.domain, trials, self.seed + new_id)
        return tpe.suggest([new_id], self.domain, trials, self.seed + new_id, n_startup_jobs=self.startup)

    def ask(self) -> tuple[int, dict]:
        from hyperopt import space_eval

        new_id = self.next_id
        self.next_id += 1
        doc = self._suggest(new_id, self._trials())[0]
        self.pending[new_id] = doc
        vals = {k: v[0] for k, v in doc["misc"]["vals"].items() if v}
        candidate = space_eval(self.hspace, vals)
        method_space = next(m for m in self.space.methods if m.method == candidate["method"])
        hparams = {}
        for key, value in candidate["hparams"].items():
            d = method_space.params[key]
            hparams[key] = d.snap(value) if d.kind in ("float", "int") else value
        return new_id, self.space.repaired({"method": candidate["method"], "hparams": hparams})

    def tell(self, token: int, score: float) -> None:
        from hyperopt import JOB_STATE_DONE, STATUS_OK

        doc = self.pending.pop(token)
        doc["state"] = JOB_STATE_DONE
        # ATPE reads the run time of each trial; every candidate trains the same budget.
        doc["book_time"] = doc["refresh_time"] = _EPOCH_TIME
        doc["result"] = {"loss": _finite(score), "status": STATUS_OK}
        self.completed.append(doc)


@SEARCHERS.register("tpe")
class TPEBackend(HyperoptBackend):
    algorithm = "tpe"


@SEARCHERS.register("atpe")
class ATPEBackend(HyperoptBackend):
    """Adaptive TPE (hyperopt.atpe; needs lightgbm and scikit-learn).

    ATPE draws from Python's global ``random``; we seed it per proposal so runs repeat, and it
    only ever sees completed trials (it fails on running ones).
    """

    algorithm = "atpe"

    def _suggest(self, new_id: int, trials) -> list[dict]:
        from hyperopt import atpe

        if len(self.completed) < self.startup:
            return super()._suggest(new_id, trials)
        state = random.getstate()
        np_state = np.random.get_state()
        random.seed(self.seed * 100_003 + new_id)
        np.random.seed((self.seed * 100_003 + new_id) % 2**32)
        try:
            return atpe.suggest([new_id], self.domain, trials, self.seed + new_id)
        finally:
            random.setstate(state)
            np.random.set_state(np_state)


@SEARCHERS.register("optuna")
class OptunaBackend:
    """Optuna's TPE sampler through its ask/tell interface (define-by-run conditional space)."""

    def __init__(self, space: SearchSpace, seed: int, startup: int = 5) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(1, startup))
        self.study = optuna.create_study(direction="minimize", sampler=sampler)
        self.pending: dict[int, Any] = {}

    def ask(self) -> tuple[int, dict]:
        trial = self.study.ask()
        method = trial.suggest_categorical("method", self.space.method_names)
        m = next(ms for ms in self.space.methods if ms.method == method)
        params = {}
        for key, d in m.params.items():
            label = _label(method, key)
            if d.kind == "fixed":
                params[key] = d.value
            elif d.kind == "choice":
                index = trial.suggest_categorical(label, list(range(len(d.choices))))
                params[key] = d.choices[index]
            elif d.kind == "int":
                params[key] = trial.suggest_int(label, int(d.low), int(d.high), step=int(d.step or 1),
                                                log=d.log and not d.step)
            elif d.step:
                params[key] = d.snap(trial.suggest_float(label, d.low, d.high, step=d.step))
            else:
                params[key] = trial.suggest_float(label, d.low, d.high, log=d.log)
        self.pending[trial.number] = trial
        return trial.number, self.space.repaired({"method": method, "hparams": params})

    def tell(self, token: int, score: float) -> None:
        self.study.tell(self.pending.pop(token), _finite(score))
