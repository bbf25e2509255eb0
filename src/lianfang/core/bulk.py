"""Bulk writes that Django's own helpers make slow at import scale.

`QuerySet.bulk_update` builds one `CASE WHEN pk = … THEN …` expression per field per batch;
for 10,000 rows and twenty fields Django spends over a minute compiling those expressions.
`update_rows` sends one parameterised UPDATE per row through `executemany` instead: the
statement is prepared once, SQLite runs it in-process and psycopg pipelines it, so the cost is
the database's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, models, router


def update_rows(objs: Iterable[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of every object in `objs` (all of one model) by primary key.

    Must run inside the caller's transaction, like any service write. Returns the number of
    objects written. Field values go through each field's `get_db_prep_save`, as in `save()`.
    """
    objs = list(objs)
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    if any(not f.concrete or f.primary_key or f.many_to_many for f in concrete):
        raise ValueError("update_rows writes concrete, non-key fields only")
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in concrete)
    # identifiers come from the model's own metadata, quoted; every value is a parameter
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    params = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError("update_rows takes objects of one model")
        row = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in concrete]
        row.append(meta.pk.get_db_prep_save(obj.pk, connection))
        params.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(objs)
