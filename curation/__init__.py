"""ToolPref Studio: build, review and release preference datasets for tool-use reward models."""

__version__ = "0.1.0"
