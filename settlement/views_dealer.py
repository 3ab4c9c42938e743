"""A dealer's earnings and settlement statements (dealer backoffice, /backoffice/earnings/)."""

from __future__ import annotations

from settlement import views_party as party
from settlement.models import PartyKind


class _Dealer:
    party = PartyKind.DEALER
    namespace = "dealer-earnings"


class DashboardView(_Dealer, party.DashboardView):
    pass


class StatementListView(_Dealer, party.StatementListView):
    pass


class StatementDetailView(_Dealer, party.StatementDetailView):
    pass


class StatementConfirmView(_Dealer, party.StatementConfirmView):
    pass


class StatementDisputeView(_Dealer, party.StatementDisputeView):
    pass


class StatementExportCsvView(_Dealer, party.StatementExportCsvView):
    pass


class StatementExportXlsxView(_Dealer, party.StatementExportXlsxView):
    pass
