"""hyperopt's suggest algorithms (TPE, ATPE) driven one proposal at a time through ask/tell."""

from __future__ import annotations

import copy
import datetime
import math
from typing import Any

from hyperprune.searching.searchers.scores import RANDOM_STREAM, finite_score, param_label
from hyperprune.searching.space import SearchSpace

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
                label = param_label(m.method, key)
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
        new_id = self.next_id
        self.next_id += 1
        return new_id, self._proposal(new_id, self._suggest(new_id, self._trials())[0])

    def ask_random(self) -> tuple[int, dict]:
        """A uniform draw from the space, learnt from like any proposal once told its score."""
        from hyperopt import rand

        new_id = self.next_id
        self.next_id += 1
        doc = rand.suggest([new_id], self.domain, self._trials(), RANDOM_STREAM + self.seed + new_id)[0]
        return new_id, self._proposal(new_id, doc)

    def _proposal(self, new_id: int, doc: dict) -> dict:
        from hyperopt import space_eval

        self.pending[new_id] = doc
        vals = {k: v[0] for k, v in doc["misc"]["vals"].items() if v}
        candidate = space_eval(self.hspace, vals)
        method_space = next(m for m in self.space.methods if m.method == candidate["method"])
        hparams = {}
        for key, value in candidate["hparams"].items():
            d = method_space.params[key]
            hparams[key] = d.snap(value) if d.kind in ("float", "int") else value
        return self.space.repaired({"method": candidate["method"], "hparams": hparams})

    def tell(self, token: int, score: float) -> None:
        from hyperopt import JOB_STATE_DONE, STATUS_OK

        doc = self.pending.pop(token)
        doc["state"] = JOB_STATE_DONE
        # ATPE reads the run time of each trial; every candidate trains the same budget.
        doc["book_time"] = doc["refresh_time"] = _EPOCH_TIME
        doc["result"] = {"loss": finite_score(score), "status": STATUS_OK}
        self.completed.append(doc)
