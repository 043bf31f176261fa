import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import nomos_portal.models  # noqa: F401
from alembic import command
from tests.conftest import alembic_config, migrate
from tests.databases import TestDatabases


def test_migrations_match_models(databases: TestDatabases):
    url = databases.create()
    migrate(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    databases.drop(url)
    assert differences == []


def test_single_migration_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_downgrade_removes_every_table(databases: TestDatabases):
    url = databases.create()
    migrate(url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    databases.drop(url)
    assert tables <= {"alembic_version"}
