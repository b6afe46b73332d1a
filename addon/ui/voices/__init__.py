"""Voices you can browse and hear: the voice picker (`picker`), opened from a target's voices in the
Fill Media dialog and from a provider's page in the settings window.

Thread safety: main thread only (Qt); the voice lists and samples are fetched on Anki's workers.
"""
