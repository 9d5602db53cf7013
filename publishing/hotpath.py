"""The publisher's busiest writes as one PostgreSQL statement each: claiming a queued post, recording it sent, and
moving a set of posts with an audit entry each (approving them, queueing a dispatch chunk).

A fan-out sends hundreds of posts within a minute, and each would otherwise cost transactions of four and five
round trips, most of their CPU spent building the same SQL and model instances again. Only the common case comes
here — a queued post that nothing holds back, and the answer (whatever it says) of the worker that claimed it.
Everything else (a hold in force, a post that must wait, an answer the sweeper overtook) and every other database
take the ORM path in `delivery`, which decides the same way; `tests/integration/test_hotpath.py` holds the two to
the same rows.

The statements are built from the models' own table and column names, quoted by the database backend; every value
travels as a parameter (hence the `noqa: S608` below).
"""

from collections.abc import Iterable
from datetime import datetime
from functools import cache

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from wagtail.models import ModelLogEntry, Page

from embassies.models import SocialAccount

from .models import Hold, Post


def available() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


@cache
def _name(model: type[Model], field: str = "") -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return quote(model._meta.get_field(field).column if field else model._meta.db_table)


@cache
def _claim_sql() -> str:
    active_holds, params = Hold.objects.active().values("pk").query.sql_with_params()
    assert not params  # the one definition of an active hold, compiled once
    post_columns = ", ".join(f"p.{_name(Post, f.name)}" for f in Post._meta.concrete_fields)
    account_columns = ", ".join(f"a.{_name(SocialAccount, f.name)}" for f in SocialAccount._meta.concrete_fields)
    # Only the post's own row is updated and its state is tested on that row: should two workers race for it,
    # PostgreSQL re-checks the state on the newer row version, and only one of them moves it.
    return (
        f"UPDATE {_name(Post)} AS p SET {_name(Post, 'state')} = %s, {_name(Post, 'attempts')} = "  # noqa: S608
        f"p.{_name(Post, 'attempts')} + 1, {_name(Post, 'updated_at')} = %s "
        f"FROM {_name(SocialAccount)} AS a, {_name(Page)} AS pg "
        f"WHERE p.{_name(Post, 'id')} = %s AND p.{_name(Post, 'state')} = %s "
        f"AND a.{_name(SocialAccount, 'id')} = p.{_name(Post, 'account')} AND a.{_name(SocialAccount, 'status')} = %s "
        f"AND pg.{_name(Page, 'id')} = p.{_name(Post, 'page')} AND pg.{_name(Page, 'live')} "
        f"AND NOT EXISTS ({active_holds}) "
        f"RETURNING {post_columns}, {account_columns}"
    )


def _cursor(connection):
    """A cursor that binds its parameters on the server, so that PostgreSQL prepares each of these statements once
    per connection instead of parsing and planning it again for every post. Django turns psycopg's preparing off
    unless the database's OPTIONS set `prepare_threshold`; the settings set it to 0 (from the first run) for
    PostgreSQL. The ORM's own cursors bind in the client and never prepare."""
    connection.ensure_connection()
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    return wrap(psycopg.Cursor(connection.connection))


@cache
def _loaded(model: type[Model]) -> tuple[list[str], list[tuple]]:
    """The model's attribute names, and each column's converters (JSON, for one) with its field."""
    connection = connections[DEFAULT_DB_ALIAS]
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], [(f, f.get_db_converters(connection)) for f in fields]


def _from_row(connection, model: type[Model], values: Iterable) -> Model:
    """A model instance from raw column values, as the ORM would load it."""
    attnames, converters = _loaded(model)
    converted = []
    for (field, field_converters), value in zip(converters, values, strict=True):
        for converter in field_converters:
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, attnames, converted)


def post_claim_queued(post_id: int, *, now: datetime) -> Post | None:
    """Move the post from queued to sending when no hold is in force, its account is connected and its page is
    live; return it with its account. None when any of that is not so: the caller finds out which."""
    connection = connections[DEFAULT_DB_ALIAS]
    with _cursor(connection) as cursor:
        cursor.execute(
            _claim_sql(),
            [Post.State.SENDING, now, post_id, Post.State.QUEUED, SocialAccount.Status.CONNECTED],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(Post._meta.concrete_fields)
    post = _from_row(connection, Post, row[:split])
    post.account = _from_row(connection, SocialAccount, row[split:])
    return post


@cache
def _insert_sql(model: type[Model]) -> tuple[list, str]:
    """The fields a row of `model` inserts, and the INSERT … SELECT that inserts it only when the post moved (each
    value then takes its column's type)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(_name(model, f.name) for f in fields)
    connection = connections[DEFAULT_DB_ALIAS]
    values = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
    return fields, f"INSERT INTO {_name(model)} ({columns}) SELECT {values} FROM moved"  # noqa: S608


def _sets(connection, changes: dict) -> tuple[list[str], list]:
    """The SET clauses of an UPDATE of posts, and their parameters as the fields prepare them."""
    sets, params = [], []
    for name, value in changes.items():
        sets.append(f"{_name(Post, name)} = %s")
        params.append(Post._meta.get_field(name).get_db_prep_save(value, connection))
    return sets, params


def post_move_and_record(post: Post, *, from_state: str, changes: dict, rows: Iterable[Model]) -> bool:
    """In one statement: set `changes` on the post if it is still in `from_state`, and only then insert `rows`
    (its attempt and audit entries). False, with nothing written, when the post was no longer there."""
    connection = connections[DEFAULT_DB_ALIAS]
    sets, params = _sets(connection, changes)
    parts = [
        f"moved AS (UPDATE {_name(Post)} SET {', '.join(sets)} "  # noqa: S608
        f"WHERE {_name(Post, 'id')} = %s AND {_name(Post, 'state')} = %s RETURNING 1)"
    ]
    params += [post.pk, from_state]
    for number, obj in enumerate(rows):
        fields, insert = _insert_sql(type(obj))
        parts.append(f"row{number} AS ({insert})")
        params += [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    with _cursor(connection) as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT count(*) FROM moved", params)  # noqa: S608
        return cursor.fetchone()[0] == 1


@cache
def _log_insert_sql() -> tuple[list, str]:
    """The INSERT … SELECT writing one audit entry for each moved post: the post's id as the entry's label and
    object id, every other value a parameter shared by all of them."""
    connection = connections[DEFAULT_DB_ALIAS]
    per_post = {"label", "object_id"}
    fields = [f for f in ModelLogEntry._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(_name(ModelLogEntry, f.name) for f in fields)
    values = ", ".join("moved.id::text" if f.name in per_post else f"%s::{f.cast_db_type(connection)}" for f in fields)
    shared = [f for f in fields if f.name not in per_post]
    return shared, f"INSERT INTO {_name(ModelLogEntry)} ({columns}) SELECT {values} FROM moved"  # noqa: S608


def posts_move_logged(picked: QuerySet, *, changes: dict, entry: ModelLogEntry) -> list[tuple[int, str]]:
    """In one statement: lock the posts `picked` selects (a `select_for_update` queryset, run as it is: its
    filters, order, slice and SKIP LOCKED), set `changes` on them and write each of them the audit `entry`
    under its own id. Their (id, network), in due order. Inside a transaction, as `select_for_update` is."""
    connection = connections[DEFAULT_DB_ALIAS]
    picked_sql, params = picked.values("pk").query.sql_with_params()
    sets, set_params = _sets(connection, changes)
    params = [*params, *set_params]
    shared, insert = _log_insert_sql()
    params += [f.get_db_prep_save(f.pre_save(entry, add=True), connection) for f in shared]
    post, pk = _name(Post), _name(Post, "id")
    sql = (
        f"WITH picked (id) AS ({picked_sql}), "  # noqa: S608
        f"moved AS (UPDATE {post} AS p SET {', '.join(sets)} FROM picked WHERE p.{pk} = picked.id "
        f"RETURNING p.{pk} AS id, p.{_name(Post, 'network')} AS network, p.{_name(Post, 'due_at')} AS due_at), "
        f"logged AS ({insert}) "
        f"SELECT id, network FROM moved ORDER BY due_at, id"
    )
    with _cursor(connection) as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]
