"""Optuna's TPE sampler as a backend."""

from __future__ import annotations

from typing import Any

from hyperprune.searching.searchers.scores import RANDOM_STREAM, finite_score, param_label
from hyperprune.searching.space import SearchSpace


class OptunaBackend:
    """Optuna's TPE sampler through its ask/tell interface (define-by-run conditional space)."""

    across_levels = True  # one model for several target sparsities seeds better than one per level

    def __init__(self, space: SearchSpace, seed: int, startup: int = 5) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        self.seed = seed
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(1, startup))
        self.study = optuna.create_study(direction="minimize", sampler=sampler)
        self.pending: dict[int, Any] = {}

    def ask(self) -> tuple[int, dict]:
        trial = self.study.ask()
        method = trial.suggest_categorical("method", self.space.method_names)
        m = next(ms for ms in self.space.methods if ms.method == method)
        params = {}
        for key, d in m.params.items():
            label = param_label(method, key)
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

    def ask_random(self) -> tuple[int, dict]:
        """A uniform draw from the space (Optuna's random sampler for one trial), learnt from
        like any proposal once told its score."""
        import optuna

        tpe = self.study.sampler
        self.study.sampler = optuna.samplers.RandomSampler(seed=RANDOM_STREAM + self.seed + len(self.study.trials))
        try:
            return self.ask()
        finally:
            self.study.sampler = tpe

    def tell(self, token: int, score: float) -> None:
        self.study.tell(self.pending.pop(token), finite_score(score))
