"""Pipeline steps. Each module registers one step with ``@steps.register``."""
