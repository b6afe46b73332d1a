"""Third-party pure-Python libraries shipped inside the add-on (see README.md)."""
