"""Containment masking: months where containment rises while resolution or effort worsens.

``detector.detect_masking(panel, settings)`` returns a ``result.MaskingResult`` (typed per-month
evidence, flagged months, alerts); ``settings`` holds its ``[stack.masking]`` settings. Method and
measured error rates: docs/metric-stack.md.
"""
