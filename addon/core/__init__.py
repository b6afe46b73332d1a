"""Pure-Python heart of Media Fill: requests, results, errors, config, planning and the job runner.

Nothing in this package imports ``anki`` or ``aqt``; a test enforces it.
"""
