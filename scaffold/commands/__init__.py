"""One module per CLI command; `scaffold.cli` imports them lazily."""
