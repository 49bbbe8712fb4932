"""Development-only pages: the demo relying party."""
