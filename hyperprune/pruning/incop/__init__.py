"""InCoP: iterative pruning with PQ-index ratios and information/gradient-flow stops."""
