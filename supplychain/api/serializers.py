"""The shape of API requests; the rules of a stock batch live in supplychain.sync."""

from rest_framework import serializers

from supplychain.sync import MAX_BATCH_ROWS


class StockSyncSerializer(serializers.Serializer):
    sync_id = serializers.CharField(max_length=64, trim_whitespace=False)
    # Rows are checked one by one by supplychain.sync, which reports problems per row.
    items = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, max_length=MAX_BATCH_ROWS
    )


def errors_flat(errors: dict) -> list[dict]:
    """DRF's nested errors as the API's error list: [{"row", "field", "message"}]."""
    flat = []
    for field, messages in errors.items():
        if isinstance(messages, dict):  # per list index
            for index, inner in messages.items():
                for message in inner if isinstance(inner, list) else [inner]:
                    flat.append({"row": int(index), "field": field, "message": str(message)})
            continue
        for message in messages if isinstance(messages, list) else [messages]:
            flat.append({"row": None, "field": field, "message": str(message)})
    return flat
