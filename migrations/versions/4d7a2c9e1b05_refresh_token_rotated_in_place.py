"""refresh tokens: one row per family, rotated in place

A rotation used to mark its token's row used and insert the successor's: two rows
and three index entries written per refresh. The family's row now holds its
current token's hash and generation and is updated in place; an earlier token
is recognised by its MAC (idp/oidc/tokens.py). Tokens issued before cannot be
expressed in the new form and are not carried over: a relying party sends its
user through the authorization endpoint again, silently while the session lives.

Revision ID: 4d7a2c9e1b05
Revises: 9e3f1a6c2b70
Create Date: 2026-12-03 10:15:00

"""
from alembic import op
import sqlalchemy as sa

import idp.db


revision = '4d7a2c9e1b05'
down_revision = '9e3f1a6c2b70'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM refresh_token")
    with op.batch_alter_table('refresh_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_refresh_token_token_hash'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_refresh_token_family_id'))
        batch_op.create_index(batch_op.f('ix_refresh_token_family_id'), ['family_id'], unique=True)
        batch_op.drop_column('used_at')
        batch_op.add_column(sa.Column('generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    op.execute("DELETE FROM refresh_token")
    with op.batch_alter_table('refresh_token', schema=None) as batch_op:
        batch_op.drop_column('generation')
        batch_op.add_column(sa.Column('used_at', idp.db.UTCDateTime(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_refresh_token_family_id'))
        batch_op.create_index(batch_op.f('ix_refresh_token_family_id'), ['family_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_refresh_token_token_hash'), ['token_hash'])
