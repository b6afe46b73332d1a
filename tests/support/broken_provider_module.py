"""A provider module whose import fails, as a broken third-party module would."""

raise RuntimeError("this module is broken on purpose")
