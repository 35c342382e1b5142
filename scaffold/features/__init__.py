"""The feature store: a kit's `docs/features/` folder, kept by `agentscaffold feature`.

`store` reads and writes the JSON files (validated against the kit's own schemas, atomically,
under a lock, never through a symbolic link), `ids` allocates `NNN-slug` ids, and `summary`
compacts every implementation log into the summary the agents read. Nothing here imports
Copier or Jinja: agents call these commands many times per session.
"""
