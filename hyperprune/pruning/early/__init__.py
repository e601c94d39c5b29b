"""The early-mask family: choose one mask early (SNIP, MagSign, random, annealing), then train it."""
