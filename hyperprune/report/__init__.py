"""Plots and an HTML report of a search (``hyperprune report DIR``)."""

from hyperprune.report.build import write_report
from hyperprune.report.stats import spearman

__all__ = ["spearman", "write_report"]
