"""Workforce story: is the agent workforce stable, and does AI assistance help novice agents more
than experienced ones? ``run.run_workforce`` returns the typed ``workforce`` section; its settings
come from the ``[workforce]`` table (``settings.parse_workforce_settings``). Methods: docs/value.md.
"""
