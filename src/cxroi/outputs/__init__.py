"""Files written beside results.json for other tools: tidy BI tables, timings, the starter config.

Everything here is derived from the typed results tree (:class:`cxroi.results.tree.Results`) or
from the settings dataclasses; nothing re-reads raw data or results.json by string keys.
"""
