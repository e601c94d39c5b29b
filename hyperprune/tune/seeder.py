"""The Ray Tune searcher that seeds the candidate pool.

It asks a backend (TPE, ATPE, Optuna, random) for ``max_evals`` proposals in waves no larger
than the number of candidates that can train at once, so that later proposals learn from the
round-1 metric (the metric at epoch ``e0``) of earlier ones. A candidate that diverges or fails
before ``e0`` counts as a very bad score.

The proposals do not depend on timing: before the ``k``-th candidate is proposed, the backend
learns exactly the scores of the first ``k - concurrency + 1`` candidates, in the order they
were proposed; a score that arrives early waits, and the proposal waits for a score that is
late. So the same seed gives the same pool whichever candidate happens to finish first, whether
the dense reference is cached or trains beside the candidates, and after any number of resumes.

``max_evals`` counts distinct trained candidates. A proposal whose method and effective
hyperparameters (:meth:`PruningMethod.effective_hparams`) equal an earlier candidate's is a
*duplicate*: it is not trained, and the next proposal is asked for at once, without waiting for
anything. The backend learns the duplicate's score as the original's: at once if it already
knows the original's, else together with it. Asked again with nothing new learnt, a
model-based backend tends to propose the same point again (TPE keeps the best of the same
samples), so after ``DUPLICATE_RETRIES`` duplicates in a row the next proposal is drawn at
random from the space (still told to the backend when scored). A space with fewer distinct
candidates than ``max_evals`` ends the pool early, after ``GIVE_UP_AFTER`` duplicates in a row.

Every candidate gets the master seed: all start from the dense reference's initial weights and
data order, and only a method's own randomness (derived from the method and its hyperparameters
inside the training run) differs between them.

With ``control`` the dense network itself is proposed first as a control candidate, on top of
``max_evals``: it is never proposed by the backend, never told to it, and never ranked.

The score a candidate teaches the backend is its early signal (``signal``, a name of
:data:`hyperprune.signals.SIGNALS`) at epoch ``e0``, from its own measurements up to ``e0``. A
signal that ranks a whole rung (``rank``) has no score of one candidate alone: the backend
learns the candidate's score within the rung made of itself and every candidate the backend
already learnt, in proposal order (for ``rank``, its mean rank among them). As the backend learns
in proposal order, that score does not depend on timing either; an earlier candidate's score is
not revised when later ones arrive.

A search over several target sparsities gets a backend that names each proposal's level
(``"sparsity"``, see :mod:`hyperprune.searching.searchers.level_seeding`); the level is part of a
candidate's identity, so the same strategy at two levels is two candidates.

With ``replay`` (a saved pool) it proposes exactly the pool's candidates, each resuming from its
saved checkpoint, and nothing else.
"""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
from ray.tune.search import Searcher

from hyperprune.searching.candidate_key import candidate_key
from hyperprune.searching.pool_seeding import DUPLICATE_RETRIES, GIVE_UP_AFTER

CONTROL_ID = "dense"


def control_candidate() -> dict:
    """The dense control: the reference network trained and measured like a candidate."""
    return {"candidate_id": CONTROL_ID, "method": "dense", "sparsity": 0.0, "hparams": {}, "control": True}


class PoolSeeder(Searcher):
    def __init__(self, backend, *, max_evals: int, concurrency: int, e0: int, sparsity: float,
                 seed: int, metric_key: str, replay: list[dict] | None = None, control: bool = False,
                 signal: str | None = None, final_epochs: int | None = None) -> None:
        super().__init__(metric=metric_key, mode="min")
        self.signal = signal
        self.final_epochs = final_epochs or e0
        self.histories: dict[str, dict[int, dict[str, float]]] = {}  # trial id -> epoch -> signal inputs
        self.backend = backend
        self.max_evals = max_evals
        self.concurrency = max(1, concurrency)
        self.e0 = e0
        self.sparsity = sparsity
        self.seed = seed
        self.metric_key = metric_key
        self.replay = list(replay or [])
        self.fixed_pool = bool(self.replay)  # a saved pool: nothing is asked of the backend
        self.control_pending = bool(control) and not any(c.get("control") for c in self.replay)
        self.asked = 0
        self.by_key: dict[str, dict] = {}  # key -> {cid, trial_id, tokens, score}
        self.trial_key: dict[str, str] = {}
        self.outstanding: set[str] = set()
        self.duplicates: list[dict] = []  # {key, duplicate_of (cid), token}
        self.order: list[str] = []  # keys of the launched candidates, in the order proposed
        self.told = 0  # how many of them, in that order, the backend has learnt
        self.counts_distinct = True  # max_evals counts distinct candidates (not every proposal)
        self.exhausted = False  # GIVE_UP_AFTER duplicates in a row: the pool ends smaller

    # -- proposals -----------------------------------------------------------------------------
    def suggest(self, trial_id: str) -> dict | str | None:
        if self.control_pending:
            self.control_pending = False
            return self._launch(trial_id, control_candidate(), token=None)
        if self.replay:
            return self._launch(trial_id, self.replay.pop(0), token=None)
        if self.proposals_made():
            return Searcher.FINISHED
        if not self._catch_up():
            return None  # the next proposal must know a score that has not arrived yet
        if not getattr(self, "counts_distinct", False):  # a state saved when every proposal counted
            return self._suggest_counting_proposals(trial_id)
        repeats = 0
        while repeats < GIVE_UP_AFTER:
            token, proposal = self._ask(at_random=repeats >= DUPLICATE_RETRIES)
            candidate = self._candidate(proposal)
            key = candidate_key(candidate["method"], candidate["sparsity"], candidate["hparams"])
            if key not in self.by_key:
                return self._launch(trial_id, candidate, token=token)
            self._duplicate(key, token, candidate)
            repeats += 1
        self.exhausted = True
        return Searcher.FINISHED

    def _candidate(self, proposal: dict) -> dict:
        """A backend's proposal as a candidate; a backend seeding several levels names each
        proposal's level (see searchers.across_levels)."""
        sparsity = proposal.get("sparsity", self.sparsity)
        return {"method": proposal["method"], "sparsity": sparsity, "hparams": proposal["hparams"]}

    def _ask(self, at_random: bool) -> tuple[Any, dict]:
        """The backend's next proposal, or a random draw it still learns from (where it can)."""
        self.asked += 1
        explore = getattr(self.backend, "ask_random", None)
        return explore() if at_random and explore is not None else self.backend.ask()

    def _duplicate(self, key: str, token: Any, candidate: dict) -> None:
        original = self.by_key[key]
        self.duplicates.append({"key": key, "duplicate_of": original["cid"], "token": token, **candidate})
        if self._was_told(key):
            self.backend.tell(token, original["score"])
            self.duplicates[-1]["token"] = None

    def _suggest_counting_proposals(self, trial_id: str) -> dict | str:
        while self.asked < self.max_evals:
            token, proposal = self._ask(at_random=False)
            candidate = self._candidate(proposal)
            key = candidate_key(candidate["method"], candidate["sparsity"], candidate["hparams"])
            if key not in self.by_key:
                return self._launch(trial_id, candidate, token=token)
            self._duplicate(key, token, candidate)
            if not self._catch_up():
                return None
        return Searcher.FINISHED

    def _was_told(self, key: str) -> bool:
        if getattr(self, "order", None) is None:
            return self.by_key[key]["score"] is not None
        return key in self.order[: self.told]

    def _catch_up(self) -> bool:
        """Tell the backend, in proposal order, exactly the scores the next proposal must know:
        those of all but the last ``concurrency - 1`` candidates; False while one has not arrived."""
        if getattr(self, "order", None) is None:  # a state saved before proposals were ordered
            pending_duplicate = any(
                d["token"] is not None and self.by_key[d["key"]]["score"] is None for d in self.duplicates
            )
            return len(self.outstanding) < self.concurrency and not pending_duplicate
        need = len(self.order) - self.concurrency + 1
        if not getattr(self, "counts_distinct", False):  # saved when a duplicate waited for its original
            for dup in self.duplicates:
                if dup["token"] is not None:
                    need = max(need, self.order.index(dup["key"]) + 1)
        return self._tell_scored(need) >= need

    def _tell_scored(self, upto: int) -> int:
        """Tell the backend, in proposal order, the scores of the first ``upto`` candidates as far
        as they have arrived; how many it knows now."""
        while self.told < upto and self.by_key[self.order[self.told]]["score"] is not None:
            self._tell(self.order[self.told])
            self.told += 1
        return self.told

    def proposals_made(self) -> bool:
        """Whether every candidate of the pool was proposed (the pool is complete once they report)."""
        if self.control_pending or self.replay:
            return False
        if getattr(self, "fixed_pool", False) or getattr(self, "exhausted", False):
            return True
        if getattr(self, "counts_distinct", False):
            return len(self.order) >= self.max_evals
        return self.asked >= self.max_evals

    def _launch(self, trial_id: str, candidate: dict, token: Any) -> dict:
        sparsity = candidate.get("sparsity", self.sparsity)
        key = candidate_key(candidate["method"], sparsity, candidate["hparams"])
        config = {
            "method": candidate["method"],
            "sparsity": sparsity,
            "hparams": candidate["hparams"],
            "seed": candidate.get("seed", self.seed),  # a saved pool keeps the seed it was trained with
        }
        if candidate.get("control"):
            config.update(candidate_id=CONTROL_ID, control=True)
        else:
            cid = candidate.get("candidate_id") or f"c{len(self.by_key):03d}"
            self.by_key[key] = {"cid": cid, "trial_id": trial_id, "token": token, "score": None}
            self.trial_key[trial_id] = key
            if getattr(self, "order", None) is not None:
                self.order.append(key)
            self.outstanding.add(trial_id)
            config["candidate_id"] = cid
        if candidate.get("init_checkpoint"):
            config["init_checkpoint"] = candidate["init_checkpoint"]
        return config

    # -- learning ------------------------------------------------------------------------------
    def _score(self, trial_id: str, score: float) -> None:
        key = self.trial_key.get(trial_id)
        if key is None:
            return
        record = self.by_key[key]
        self.outstanding.discard(trial_id)
        if record["score"] is not None:
            return
        record["score"] = float(score) if math.isfinite(score) else math.inf
        if getattr(self, "order", None) is None:  # a state saved before proposals were ordered
            self._tell(key)
        elif self.proposals_made():  # no proposal depends on it any more: the backend learns all
            self._tell_scored(len(self.order))

    def _tell(self, key: str) -> None:
        """The backend learns a candidate's score, and so do the proposals that duplicated it."""
        record = self.by_key[key]
        if math.isfinite(record["score"]) and self._rung_wide():
            record["score"] = self._score_among_told(key)
        if record["token"] is not None:
            self.backend.tell(record["token"], record["score"])
        for dup in self.duplicates:
            if dup["key"] == key and dup["token"] is not None:
                self.backend.tell(dup["token"], record["score"])
                dup["token"] = None

    def _rung_wide(self) -> bool:
        from hyperprune.signals.registry import get_signal

        return getattr(self, "signal", None) is not None and get_signal(self.signal).rung_wide

    def _signal_score(self, trial_ids: list[str]) -> list[float]:
        """The signal's scores at ``e0`` of the candidates of ``trial_ids`` as one rung."""
        from hyperprune.signals.registry import get_signal

        signal = get_signal(self.signal)
        inputs = {name: np.array([[self.histories.get(t, {}).get(e, {}).get(name, math.nan)
                                   for e in range(1, self.e0 + 1)] for t in trial_ids]) for name in signal.inputs}
        return [float(v) if math.isfinite(v) else math.inf
                for v in signal.score(inputs, self.e0, self.final_epochs)]

    def _score_among_told(self, key: str) -> float:
        told = [self.by_key[k]["trial_id"] for k in self.order[: self.told]
                if k != key and math.isfinite(self.by_key[k]["score"])]
        return self._signal_score([*told, self.by_key[key]["trial_id"]])[-1]

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        from hyperprune.tune.scheduler import signal_inputs

        # the backend learns the score at the first rung on the fair clock: age e0, once rankable
        age = int(result.get("age", result.get("epoch", 0)))
        ranked = bool(result.get("rankable", True)) and age >= self.e0
        inputs = signal_inputs(getattr(self, "signal", None), result)
        if inputs is not None and 1 <= age <= self.e0 and result.get("rankable", True):
            self.histories.setdefault(trial_id, {})[age] = inputs
        if result.get("diverged"):
            self._score(trial_id, math.inf)
        elif ranked and inputs is None:
            self._score(trial_id, float(result.get(self.metric_key, math.inf)))
        elif ranked:  # a rung-wide signal: its own score now, rescored among the learnt ones in _tell
            self._score(trial_id, self._signal_score([trial_id])[0])

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        # Stopped before reporting epoch e0 (diverged, failed, or killed): a very bad score.
        key = self.trial_key.get(trial_id)
        if key is not None and self.by_key[key]["score"] is None:
            self._score(trial_id, math.inf)

    # -- state ---------------------------------------------------------------------------------
    def get_state(self) -> dict:
        return dict(self.__dict__)

    def set_state(self, state: dict) -> None:
        self.__dict__.update(state)

    def save(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "wb") as f:
            pickle.dump(self.get_state(), f)

    def restore(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "rb") as f:
            self.set_state(pickle.load(f))
