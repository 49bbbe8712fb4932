"""The SSO session of a browser: its record in the short-lived store and the signed cookie."""
