"""The typed results tree: one frozen dataclass per section of results.json (see ``tree.py``)."""
