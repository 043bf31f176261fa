from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import nomos_portal.models  # noqa: F401
from alembic import command
from tests.conftest import alembic_config, migrate


def test_migrations_match_models(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    migrate(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_single_migration_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_downgrade_removes_every_table(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    migrate(url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert tables <= {"alembic_version"}
