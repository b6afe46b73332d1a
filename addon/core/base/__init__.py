"""What everything else stands on: the error classes, logging with redaction of secrets, and a
cross-process file lock. Imports nothing of the add-on."""
