"""Early signals: how a search ranks its candidates at a rung, one plug-in per signal.

A signal scores every candidate waiting at a rung from their measurements up to that epoch
(:mod:`.registry`); lower is better. The search's ``--metric`` choices, the halving book's
ranking, the pool seeder's scores and ``hyperprune calibrate``'s comparison all come from
:data:`.registry.SIGNALS`.
"""

from hyperprune.signals.registry import SIGNALS, Signal, get_signal, signal_names, signals_for

__all__ = ["SIGNALS", "Signal", "get_signal", "signal_names", "signals_for"]
