"""Outgoing SMS and e-mail: an outbox written with the fact that caused it, and senders."""
