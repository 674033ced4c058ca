"""statements, movements, connections, jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 10:23:22.497575
"""

import sqlalchemy as sa
from alembic import op

import shared.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("column_mapping", sa.JSON(), nullable=True),
        sa.Column("source", sa.JSON(), nullable=True),
        sa.Column("poll_minutes", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("status_since", shared.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_fetch_at", shared.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("next_fetch_at", shared.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shared.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_connections_tenant_id")),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connections_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("statement_count", sa.Integer(), nullable=False),
        sa.Column("movements_new", sa.Integer(), nullable=False),
        sa.Column("movements_duplicate", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imports_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "fetched_files",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fetched_at", shared.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_fetched_files_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "key", name=op.f("pk_fetched_files")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("files_found", sa.Integer(), nullable=False),
        sa.Column("files_imported", sa.Integer(), nullable=False),
        sa.Column("files_refused", sa.Integer(), nullable=False),
        sa.Column("movements_new", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("requested_at", shared.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("started_at", shared.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", shared.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_jobs_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_state_requested", ["state", "requested_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "movements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("amount", shared.types.Money(precision=22, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("bank_reference", sa.String(length=100), nullable=False),
        sa.Column("customer_reference", sa.String(length=100), nullable=False),
        sa.Column("transaction_code", sa.String(length=60), nullable=False),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=False),
        sa.Column("counterparty_name", sa.String(length=200), nullable=False),
        sa.Column("counterparty_tax_id", sa.String(length=11), nullable=False),
        sa.Column("payment_reference", sa.String(length=100), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Boolean(), nullable=False),
        sa.Column("processing_state", sa.String(length=20), nullable=False),
        sa.Column("created_at", shared.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["bank_accounts.id"], name=op.f("fk_movements_account_id_bank_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
    )
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_movements_account_booking", ["account_id", "booking_date"], unique=False
        )
        batch_op.create_index(
            "ix_movements_tenant_booking", ["tenant_id", "booking_date", "id"], unique=False
        )

    op.create_table(
        "statements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("statement_number", sa.String(length=40), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("opening_amount", shared.types.Money(precision=22, scale=4), nullable=True),
        sa.Column("opening_date", sa.Date(), nullable=True),
        sa.Column("closing_amount", shared.types.Money(precision=22, scale=4), nullable=True),
        sa.Column("closing_date", sa.Date(), nullable=True),
        sa.Column("first_booking_date", sa.Date(), nullable=True),
        sa.Column("last_booking_date", sa.Date(), nullable=True),
        sa.Column("movement_count", sa.Integer(), nullable=False),
        sa.Column("movements_sum", shared.types.Money(precision=22, scale=4), nullable=False),
        sa.Column("new_movements", sa.Integer(), nullable=False),
        sa.Column("balance_difference", shared.types.Money(precision=22, scale=4), nullable=True),
        sa.Column("balance_check", sa.String(length=20), nullable=False),
        sa.Column("continuity_issues", sa.JSON(), nullable=False),
        sa.Column("previous_statement_id", sa.Uuid(), nullable=True),
        sa.Column("information", sa.Text(), nullable=False),
        sa.Column("created_at", shared.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_statements_account_id_bank_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_statements_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statements_account_closing", ["account_id", "closing_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_statements_import_id"), ["import_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_statements_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_number", sa.String(length=60), nullable=True))
        batch_op.add_column(
            sa.Column("balance", shared.types.Money(precision=22, scale=4), nullable=True)
        )
        batch_op.add_column(sa.Column("balance_date", sa.Date(), nullable=True))
        batch_op.alter_column("iban", existing_type=sa.VARCHAR(length=34), nullable=True)
        batch_op.drop_constraint("uq_bank_accounts_tenant_id", type_="unique")
        batch_op.create_unique_constraint("uq_bank_accounts_tenant_iban", ["tenant_id", "iban"])
        batch_op.create_unique_constraint(
            "uq_bank_accounts_tenant_number", ["tenant_id", "account_number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_bank_accounts_tenant_number", type_="unique")
        batch_op.drop_constraint("uq_bank_accounts_tenant_iban", type_="unique")
        batch_op.create_unique_constraint("uq_bank_accounts_tenant_id", ["tenant_id", "iban"])
        batch_op.alter_column("iban", existing_type=sa.VARCHAR(length=34), nullable=False)
        batch_op.drop_column("balance_date")
        batch_op.drop_column("balance")
        batch_op.drop_column("account_number")

    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_statements_import_id"))
        batch_op.drop_index("ix_statements_account_closing")

    op.drop_table("statements")
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_index("ix_movements_tenant_booking")
        batch_op.drop_index("ix_movements_account_booking")

    op.drop_table("movements")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_tenant_id"))
        batch_op.drop_index("ix_jobs_state_requested")

    op.drop_table("jobs")
    op.drop_table("fetched_files")
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imports_tenant_id"))

    op.drop_table("imports")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connections_tenant_id"))

    op.drop_table("connections")
