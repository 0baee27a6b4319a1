"""The outcome metric stack, its decision triggers and alerts, with the loyalty analyses they use.

Import from the modules (this package file stays empty so ``cxroi.config`` can import the settings
and the parser without pulling in the engine): ``cxroi.analyses.stack.run.run_stack`` (entry
point), ``.settings.StackSettings``, ``.parse.parse_stack_settings`` / ``load_stack`` /
``default_stack``.
"""
