"""The config: rules per note type (`rules`), the files and their merging (`files`), the JSON
Schema and validation (`schema`), migration of older configs (`migration`) and the rule drafts the
Fill Media dialog proposes (`rule_drafts`)."""
