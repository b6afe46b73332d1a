"""The provider system: the three provider interfaces (media, data, sync), provider metadata
(`info`), the catalog of names to classes (built-in, configured, registered by other add-ons), the
registry that builds providers from their config slice and keeps their breakers and health, and the
listing and ordering the UI and CLI show."""
