"""Accounts as the protocol reads them: lookup by login, the lifecycle rules, the cached view, password hashing."""
