"""The supplier's API (supplier domain), authenticated by API tokens.

``POST /api/v1/stock-sync/``::

    Authorization: Token s2b_...
    {"sync_id": "erp-2026-11-21-0001",
     "items": [{"sku": "P-100-1", "warehouse": "SH01", "on_hand": 12}, ...]}

Answers 201 with ``{"sync_id", "applied": true, "duplicate": false, "rows", "changed",
"unchanged", "applied_at"}``; the same ``sync_id`` again answers 200 with the original result
and ``"duplicate": true``; a batch with any problem answers 400 with ``{"applied": false,
"errors": [{"row", "field", "message"}]}`` and changes nothing. At most 10,000 rows per batch.
"""

from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from supplychain import sync
from supplychain.api.authentication import ApiTokenAuthentication, ApiTokenRateThrottle, HasApiToken
from supplychain.api.serializers import StockSyncSerializer, errors_flat
from supplychain.models import StockSyncSource


class StockSyncView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasApiToken]
    throttle_classes = [ApiTokenRateThrottle]
    parser_classes = [JSONParser]

    def post(self, request):
        serializer = StockSyncSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(
                {
                    "sync_id": request.data.get("sync_id")
                    if isinstance(request.data, dict)
                    else None,
                    "applied": False,
                    "errors": errors_flat(serializer.errors),
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = serializer.validated_data
        try:
            result = sync.stock_sync_apply(
                sync_id=data["sync_id"],
                items=data["items"],
                source=StockSyncSource.API,
                token=request.auth,
            )
        except sync.StockSyncRejected as rejected:
            return Response(
                {
                    "sync_id": data["sync_id"],
                    "applied": False,
                    "errors": [problem.as_dict() for problem in rejected.problems],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            result.as_dict(),
            status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED,
        )
