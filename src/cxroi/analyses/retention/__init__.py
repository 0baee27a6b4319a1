"""Retention by index-contact exposure: Kaplan–Meier curves, naive and adjusted 12-month deltas
(ATE and ATT), their sensitivity to unmeasured confounding, and revenue protected over 12 months.

``run.run_retention`` returns a ``result.RetentionResult`` (the typed section and the
per-customer pieces revenue protected needs). Definitions: docs/metrics.md "Retention"; methods
and calibration: docs/retention.md and docs/retention-calibration.md.
"""
