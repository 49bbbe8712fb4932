"""The protocol side: what relying parties see. People are handled in flows/."""
