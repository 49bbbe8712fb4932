"""consent: anonymise records when an account is deleted

However an account row goes (erasure after closing, purge of a cabinet never
activated, a bulk DELETE or plain SQL), its consent records stay as proof but
no longer say whose they were or where they came from. A trigger, because the
foreign key alone would detach them yet keep the IP address and browser.

Revision ID: 2cc89b8e8025
Revises: 76dfcdf9783c
Create Date: 2026-11-25 02:09:16.856196

"""
from alembic import op
import sqlalchemy as sa
import idp.db


# revision identifiers, used by Alembic.
revision = '2cc89b8e8025'
down_revision = '76dfcdf9783c'
branch_labels = None
depends_on = None


PG_FUNCTION = """
CREATE FUNCTION consent_record_anonymise() RETURNS trigger AS $$
BEGIN
    UPDATE consent_record SET account_id = NULL, ip_address = NULL, user_agent = NULL
    WHERE account_id = OLD.id;
    RETURN OLD;
END
$$ LANGUAGE plpgsql
"""
PG_TRIGGER = """
CREATE TRIGGER account_delete_anonymises_consents BEFORE DELETE ON account
FOR EACH ROW EXECUTE FUNCTION consent_record_anonymise()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER account_delete_anonymises_consents BEFORE DELETE ON account
FOR EACH ROW BEGIN
    UPDATE consent_record SET account_id = NULL, ip_address = NULL, user_agent = NULL
    WHERE account_id = OLD.id;
END
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS account_delete_anonymises_consents ON account")
        op.execute("DROP FUNCTION IF EXISTS consent_record_anonymise()")
    else:
        op.execute("DROP TRIGGER IF EXISTS account_delete_anonymises_consents")
