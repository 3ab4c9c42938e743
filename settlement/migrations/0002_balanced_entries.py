"""The database refuses a journal entry whose postings do not sum to zero (checked at commit,
so an entry's postings may be written in any order within the transaction)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION public.settlement_entry_balanced() RETURNS trigger AS $$
DECLARE total numeric;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO total
    FROM public.settlement_posting WHERE entry_id = NEW.entry_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance: its postings sum to %',
            NEW.entry_id, total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER settlement_posting_balanced
AFTER INSERT OR UPDATE ON public.settlement_posting
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION public.settlement_entry_balanced();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS settlement_posting_balanced ON public.settlement_posting;
DROP FUNCTION IF EXISTS public.settlement_entry_balanced();
"""


def _run(schema_editor, sql: str) -> None:
    # A cursor of its own: the function body's "%" placeholders are PL/pgSQL's, not ours.
    if schema_editor.connection.schema_name == "public":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
