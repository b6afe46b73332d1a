"""Media providers, one module each, registered in `core.registry.PROVIDER_MAP`."""
