"""How a search ended, for ``result.json``, its last line and the exit status of the command.

``status`` is ``finished`` (a winner was chosen), ``diverged`` (no winner because every
candidate that did not finish diverged: the settings make training blow up, a result, not a
fault) or ``failed`` (no winner and at least one candidate failed with an error, or the search
was stopped because the first wave all failed alike). Exit statuses of ``hyperprune search`` and
``hyperprune resume``: 0 finished or diverged, 2 bad input (nothing started), 3 failed.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_FAILED = 3


def outcome(rows: list[dict], winner: dict | None, first_failure: dict | None,
            stopped: str | None) -> dict:
    """``status``, ``first_error`` (None unless a candidate failed) and ``stopped_early``.

    The dense control (status ``control``) is not a candidate and does not count."""
    rows = [r for r in rows if r.get("status") != "control"]
    errored = sorted((r for r in rows if r.get("status") == "error" or r.get("error")),
                     key=lambda r: r["candidate_id"])
    first = dict(first_failure) if first_failure else None
    if first is None and errored:
        row = errored[0]
        first = {"candidate_id": row["candidate_id"], "attempt": row.get("failures") or 1,
                 "error": row["error"], "trace": None, "hint": None}
    if winner is not None:
        status = "finished"
    elif stopped or errored or not rows or any(r.get("status") != "diverged" for r in rows):
        status = "failed"
    else:
        status = "diverged"
    return {"status": status, "first_error": first, "stopped_early": stopped}


def closing_line(result: dict) -> str | None:
    """The one line that says why there is no winner (None when there is one)."""
    status = result.get("status")
    if status == "diverged":
        return (f"no winner: every candidate diverged ({result.get('pool_size')} of {result.get('pool_size')}); "
                "status diverged (try a smaller learning rate or gradient clipping, see pool.parquet)")
    if status == "failed":
        if result.get("stopped_early"):
            return f"search failed: {result['stopped_early']}"
        first = result.get("first_error")
        if first:
            hint = f" ({first['hint']})" if first.get("hint") else ""
            where = f"; full trace: {first['trace']}" if first.get("trace") else ""
            return (f"search failed: no candidate finished; first error ({first['candidate_id']}, attempt "
                    f"{first['attempt']}): {first['error']}{hint}{where}")
        return "search failed: no candidate finished (see pool.parquet)"
    return None


def exit_status(result: dict) -> int:
    return EXIT_FAILED if result.get("status") == "failed" else EXIT_OK
