"""On PostgreSQL, a trigram index (pg_trgm) for the public search's LIKE '%…%'.

The search is a substring match (`selectors.public_search`: `search_text ILIKE`), which
needs no word segmentation for Chinese (PostgreSQL's full-text parsers have none without an
extension such as zhparser). A GIN trigram index lets PostgreSQL answer it without reading
every row. The extension is created when the database user may; without it the index is
skipped and the search still works, by a scan. SQLite answers the same LIKE by a scan.
"""

from django.db import DatabaseError, migrations, transaction

INDEX = "content_article_search_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            try:
                with transaction.atomic(using=schema_editor.connection.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DatabaseError:  # no privilege: keep the plain LIKE
                return
        # Django's icontains is UPPER(col::text) LIKE UPPER(%s): index that expression
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON content_article "
            "USING gin ((UPPER(search_text::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("content", "0001_articles")]

    operations = [migrations.RunPython(create, drop)]
