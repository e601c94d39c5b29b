"""Figure: Lyapunov spectra of the dense reference and of candidates at the rung epochs.

For each rung epoch (up to three: first, middle, last) one panel plots exponent index (QR
order, the order the LS distance compares) against the exponent's value, for the dense
reference, the winner (or the best-ranked survivor) and a candidate eliminated at that rung.
"""

from __future__ import annotations

from pathlib import Path

from hyperprune.report.data import SearchData, at_epoch, finite
from hyperprune.report.figure import (
    DENSE_COLOR,
    ELIMINATED_COLOR,
    WINNER_COLOR,
    Figure,
    new_figure,
    save,
)

TITLE = "Lyapunov spectra: dense reference and candidates"


def _dense_spectrum(data: SearchData, epoch: int) -> list[float] | None:
    dense = data.dense or {}
    epochs, spectra = list(dense.get("epochs") or []), list(dense.get("ls") or [])
    if epoch in epochs and epochs.index(epoch) < len(spectra):
        return spectra[epochs.index(epoch)] or None
    return None


def _rung_epochs(data: SearchData) -> list[int]:
    rounds = sorted({r["round_excluded"] for r in data.rows if r["round_excluded"] is not None})
    epochs = [data.rung_epoch(i) for i in range(0, (max(rounds) + 1) if rounds else 1)]
    epochs = [e for e in epochs if e is not None]
    if not epochs:  # no options recorded: use the epochs that hold spectra
        epochs = sorted({e for r in data.rows for e, s in zip(r.get("age") or r["epochs"] or [], r["ls"] or [], strict=False) if s})
    if len(epochs) > 3:
        epochs = [epochs[0], epochs[len(epochs) // 2], epochs[-1]]
    return epochs


def _featured(data: SearchData, epoch: int, round_index: int | None) -> list[tuple[str, dict, str]]:
    """(label, row, color) of the winner (or best at the rung) and of one eliminated candidate."""
    chosen = []
    winner = data.row(data.winner_id)
    if winner is None:  # no winner: the candidate with the best metric at this epoch
        scored = [r for r in data.rows if finite(at_epoch(r, "ls_distance", epoch))]
        winner = min(scored, key=lambda r: at_epoch(r, "ls_distance", epoch), default=None)
        if winner is not None:
            chosen.append((f"best at epoch {epoch}: {winner['candidate_id']}", winner, WINNER_COLOR))
    else:
        chosen.append((f"winner {winner['candidate_id']}", winner, WINNER_COLOR))
    dropped = [r for r in data.rows if r["round_excluded"] == round_index and r["status"] == "eliminated"]
    dropped = [r for r in dropped if at_epoch(r, "ls", epoch)]
    if dropped:
        worst = max(dropped, key=lambda r: at_epoch(r, "ls_distance", epoch) or 0.0)
        chosen.append((f"eliminated {worst['candidate_id']}", worst, ELIMINATED_COLOR))
    return chosen


def plot_spectra(data: SearchData, folder: Path) -> Figure:
    if not data.has_spectra():
        return Figure(TITLE, note="No Lyapunov spectra were recorded in this search (a classifier, or a "
                                  "search ranked by loss without spectra), so there is nothing to plot.")
    epochs = _rung_epochs(data)
    if not epochs:
        return Figure(TITLE, note="No candidate reached a rung epoch with a recorded spectrum.")
    fig, axes = new_figure(4.2 * len(epochs) + 1.0, 4.2, ncols=len(epochs))
    for i, (ax, epoch) in enumerate(zip(axes, epochs, strict=True)):
        round_index = ((epoch - data.e0) // data.ei) if data.e0 is not None and data.ei else None
        dense = _dense_spectrum(data, epoch)
        if dense:
            ax.plot(range(1, len(dense) + 1), dense, color=DENSE_COLOR, lw=1.6, label="dense reference")
        for label, row, color in _featured(data, epoch, round_index):
            spectrum = at_epoch(row, "ls", epoch)
            if not spectrum:
                continue
            dist = at_epoch(row, "ls_distance", epoch)
            suffix = f", dist {dist:.3g}" if finite(dist) else ""
            ax.plot(range(1, len(spectrum) + 1), spectrum, color=color, lw=1.1, alpha=0.85,
                    label=label + suffix)
        ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
        ax.set_title(f"epoch {epoch}" + (f" (rung {round_index + 1})" if round_index is not None else ""))
        ax.set_xlabel("exponent index (QR order)")
        if i == 0:
            ax.set_ylabel("Lyapunov exponent (nats/step)")
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle("Lyapunov spectra at the rung epochs")
    return Figure(TITLE, image=save(fig, folder, "spectra.png"),
                  caption="Each exponent in the order the QR iteration produces it; the LS distance is the "
                          "Euclidean distance between a candidate's vector and the dense one at the same epoch.")
