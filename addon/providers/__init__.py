"""Media providers, one module each, registered in `core.catalog.BUILTIN_PROVIDERS`."""
