"""Agents as a leading indicator: the Agent Experience Index, its lead over loyalty, warnings.

``run.run_agents(ds, exact, settings)`` returns an ``AgentsResult``; ``section.agents_section``
turns it into the ``agents`` section of the results tree. Methods: docs/agents.md.
"""
