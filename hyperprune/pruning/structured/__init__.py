"""Structured pruning: whole conv filters and recurrent hidden units, masked and physically removed."""
