"""Keep a searcher open until its trials end, so that Tune reuses paused candidates' actors.

Tune keeps the actor of a trial that pauses (a candidate waiting at a rung) for the next trial
to resume only while its searcher may still propose; once the searcher says it is finished, the
actor of every trial that pauses is stopped, and each candidate resumed after the next rung
waits seconds for a fresh actor (a new process, imports, building the run). :class:`OpenUntilDone`
wraps the pool seeder and answers "nothing now" instead of "finished" until every trial it
launched has completed; the seeder itself, its state and its decisions are unchanged.

Example::

    search_alg = OpenUntilDone(PoolSeeder(backend, max_evals=8, ...))
"""

from __future__ import annotations

from ray.tune.search import Searcher


class OpenUntilDone(Searcher):
    def __init__(self, searcher: Searcher) -> None:
        super().__init__(metric=searcher.metric, mode=searcher.mode)
        self.searcher = searcher
        self.live: set[str] = set()

    def set_search_properties(self, metric, mode, config, **spec) -> bool:
        return self.searcher.set_search_properties(metric, mode, config, **spec)

    def suggest(self, trial_id: str) -> dict | str | None:
        proposal = self.searcher.suggest(trial_id)
        if proposal == Searcher.FINISHED:
            return None if self.live else Searcher.FINISHED
        if proposal is not None:
            self.live.add(trial_id)
        return proposal

    def proposals_made(self) -> bool:
        return self.searcher.proposals_made()

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        self.searcher.on_trial_result(trial_id, result)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        self.live.discard(trial_id)
        self.searcher.on_trial_complete(trial_id, result=result, error=error)

    # Tune saves a wrapper's state with get_state/set_state and the wrapped searcher on its own.
    def get_state(self) -> dict:
        return {}

    def set_state(self, state: dict) -> None:
        # A restored experiment does not report again the trials that completed before it was
        # saved: forget which trials were live rather than wait for them forever.
        self.live = set()
