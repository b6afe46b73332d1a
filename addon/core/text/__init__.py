"""Text that comes in: cleaning a field's HTML, clozes, furigana and sound tags into source text
(`cleaning`), and reading word lists (CSV or JSON, any encoding) row by row (`word_list`)."""
