"""Fast inserts for the scale generator (demo.scale): PostgreSQL's COPY with ids drawn from the table's sequence,
bulk_create on other databases."""

from __future__ import annotations

import io

from django.db import connection
from django.utils import timezone

from results.computation import copy_text_field

COPY_CHUNK = 50_000


def _complete(model, fields: list[str], now) -> tuple[list[str], list]:
    """The model's other concrete columns and their values: auto times are now, the rest their default."""
    extra, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in fields or field.name in fields:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()  # None for a nullable column, "" for a text one
        extra.append(field.attname)
        values.append(value)
    return extra, values


def insert(model, fields: list[str], rows: list[tuple], *, ids: bool = False) -> list[int]:
    """Insert rows (tuples in `fields` order, attnames) fast; returns their ids when asked.

    PostgreSQL: ids drawn from the table's sequence, then COPY. Elsewhere: bulk_create.
    """
    if not rows:
        return []
    now = timezone.now()
    extra, extra_values = _complete(model, fields, now)
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=2000)
        return [obj.pk for obj in objects] if ids else []
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    columns = [model._meta.get_field(name).column for name in fields] + [
        model._meta.get_field(name).column for name in extra
    ]
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, len(rows)],
            )
            new_ids = [row[0] for row in cursor.fetchall()]
            columns = [pk_column, *columns]
        tail = "\t".join(copy_text_field(v) for v in extra_values)
        sql = f"COPY {connection.ops.quote_name(table)} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "
        sql += "FROM STDIN"
        for start in range(0, len(rows), COPY_CHUNK):
            buffer = io.StringIO()
            for index in range(start, min(len(rows), start + COPY_CHUNK)):
                parts = [copy_text_field(v) for v in rows[index]]
                if ids:
                    parts.insert(0, str(new_ids[index]))
                line = "\t".join(parts)
                buffer.write(f"{line}\t{tail}\n" if extra else f"{line}\n")
            buffer.seek(0)
            cursor.cursor.copy_expert(sql, buffer)
    return new_ids
