"""Comparing runs: a stored report against another (the pull-request gate), or two
implementations of one run (what changed between releases).

`model` holds the data, `load` reads stored JSON reports, `engine` finds the
transitions; harness/report/comparison.py renders them.
"""
