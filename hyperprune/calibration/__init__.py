"""Calibration: does the early signal of a search predict the final result on this problem?

Pure analysis, no Ray: rank correlations with bootstrap intervals (:mod:`.stats`), offline
replay of halving schedules over recorded curves with the search's own decision code
(:mod:`.replay`), the seed noise of the ground truth (:mod:`.noise`), and the whole analysis
with its recommendation (:mod:`.analysis`). ``hyperprune calibrate`` records the curves on Ray
(:mod:`hyperprune.tune.calibrate`) and hands them to :func:`.analysis.analyse`.
"""
