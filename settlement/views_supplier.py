"""A supplier's payables and settlement statements (supplier backoffice, /settlement/)."""

from __future__ import annotations

from settlement import views_party as party
from settlement.models import PartyKind


class _Supplier:
    party = PartyKind.SUPPLIER
    namespace = "supplier-settlement"


class DashboardView(_Supplier, party.DashboardView):
    pass


class StatementListView(_Supplier, party.StatementListView):
    pass


class StatementDetailView(_Supplier, party.StatementDetailView):
    pass


class StatementConfirmView(_Supplier, party.StatementConfirmView):
    pass


class StatementDisputeView(_Supplier, party.StatementDisputeView):
    pass


class StatementExportCsvView(_Supplier, party.StatementExportCsvView):
    pass


class StatementExportXlsxView(_Supplier, party.StatementExportXlsxView):
    pass
