"""Development tools: demo, sample deck, throwaway Anki base folders, packaging. Not shipped."""
