"""The client office: staff who register a cabinet for an applicant, and the office CRM's API.

Staff are not customers: their own table, their own cookie on /staff, password
and TOTP, roles. What they do to a cabinet goes through the same rules as
self-registration (flows.enrolment, flows.validation) and leaves one
append-only record in the staff audit.
"""
