"""Accounts as the protocol reads them: lookup by login, phone numbers, lifecycle, cached view, passwords."""
