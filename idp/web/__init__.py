"""What every page shares: the message catalogue, the error pages, the signed-in guard."""
