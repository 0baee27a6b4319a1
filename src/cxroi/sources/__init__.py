"""Import adapters: vendor exports -> the canonical dataset (see docs/adapters.md)."""
