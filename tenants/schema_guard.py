"""A guard against the silent cross-tenant write.

A model instance is not bound to a schema: one loaded while supplier A is active and saved
while supplier B is active is INSERTed or UPDATEd into B without complaint (TENANCY.md).
Every model stored in a tenant schema inherits ``SchemaBoundModel``: an instance remembers
the schema it was loaded from (or first saved to) and refuses to be saved or deleted under
any other.
"""

from django.db import connections, models


class CrossSchemaWriteError(RuntimeError):
    """An instance of one schema was about to be written under another."""


def active_schema(using: str = "default") -> str:
    return connections[using].schema_name


class SchemaBoundModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_foreign_schema(kwargs.get("using"), "save")
        super().save(*args, **kwargs)
        self._state.schema = active_schema(self._state.db or "default")

    def delete(self, *args, **kwargs):
        self._refuse_foreign_schema(kwargs.get("using"), "delete")
        return super().delete(*args, **kwargs)

    def _refuse_foreign_schema(self, using: str | None, verb: str) -> None:
        bound = getattr(self._state, "schema", None)
        current = active_schema(using or self._state.db or "default")
        if bound is not None and bound != current:
            raise CrossSchemaWriteError(
                f"Refusing to {verb} {self._meta.label} pk={self.pk}: it belongs to schema "
                f"{bound!r} but schema {current!r} is active."
            )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._state.schema = active_schema(db)
        return instance
