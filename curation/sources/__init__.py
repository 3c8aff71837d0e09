"""Source adapters: one module per dataset, each registered with ``@sources.register``."""
