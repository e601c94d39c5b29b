"""hyperprune: find the best pruned variant of a neural network by hyperparameter search.

Candidates (a pruning method plus its hyperparameters) are trained briefly, ranked early by
the Lyapunov-spectrum distance to the dense network (or by validation loss), and the worse
half is excluded round by round on Ray Tune; the finalists are trained fully.
"""

__version__ = "0.1.0"
