"""office: a staff account's TOTP secret kept sealed, like a customer's

The secret was stored as typed into the authenticator; it is now sealed with a
key derived from IDP_SECRET_KEY (flows/totp.py). Secrets stored before are not
carried over: those employees enrol their authenticator again at the next sign-in.

Revision ID: 9e3f1a6c2b70
Revises: 083ba97272ed
Create Date: 2026-12-01 22:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9e3f1a6c2b70'
down_revision = '083ba97272ed'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_column('totp_secret')
        batch_op.add_column(sa.Column('totp_secret_sealed', sa.String(length=300), nullable=True))
    op.execute("UPDATE staff_account SET totp_last_step = NULL")


def downgrade():
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_column('totp_secret_sealed')
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
