"""office: staff accounts and the staff audit

Revision ID: 5b1e0c7a9d42
Revises: 2cc89b8e8025
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa
import idp.db


revision = '5b1e0c7a9d42'
down_revision = '2cc89b8e8025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.Column('created_at', idp.db.UTCDateTime(), nullable=False),
    sa.Column('disabled_at', idp.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_account')),
    sa.UniqueConstraint('login', name=op.f('uq_staff_account_login'))
    )
    op.create_table('staff_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', idp.db.UTCDateTime(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('account_sub', sa.String(length=36), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_account.id'], name=op.f('fk_staff_audit_staff_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_audit'))
    )
    with op.batch_alter_table('staff_audit', schema=None) as batch_op:
        batch_op.create_index('ix_staff_audit_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_audit_account_sub'), ['account_sub'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_audit_staff_id'), ['staff_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_audit_staff_id'))
        batch_op.drop_index(batch_op.f('ix_staff_audit_account_sub'))
        batch_op.drop_index('ix_staff_audit_at')
    op.drop_table('staff_audit')
    op.drop_table('staff_account')
