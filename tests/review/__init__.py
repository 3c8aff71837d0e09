"""The review store."""
