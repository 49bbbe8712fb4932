"""Consents: the catalogue of kinds and versioned texts, records with evidence, claims."""
