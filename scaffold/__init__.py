"""agentscaffold: stack-tailored AI coding agent kits, rendered with Copier."""

# The release tag of the bundled template is `v<__version__>`.
__version__ = "0.1.0"
