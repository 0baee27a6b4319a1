"""Value analyses (docs/metrics.md "Value"): CLV, the three pillars, what-if-we-stopped-AI, ROI.

``run.run_value`` returns the typed ``value`` section. Methods: docs/value.md and
docs/what-if-roi.md.
"""
