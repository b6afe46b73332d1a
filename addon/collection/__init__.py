"""Everything that touches the Anki collection (imports ``anki``, never ``aqt``)."""
