"""Audio providers."""
