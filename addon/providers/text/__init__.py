"""Transcription providers (speech to text)."""
