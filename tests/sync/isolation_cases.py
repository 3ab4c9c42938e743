"""``make`` and ``intact`` functions of the publishing, stock sync and notification rows in
tests/test_isolation.py. Each ``make`` runs inside the home tenant's schema and returns
``(url kwargs, marker)``."""

from __future__ import annotations

from catalog.models import OfferAudience
from catalog.seed import category_tree_seed
from suppliers import publishing
from suppliers.models import Product, ProductImage, Sku
from supplychain import sync
from supplychain.api.tokens import api_token_create
from supplychain.models import ApiToken, StockLevel
from tenants.models import Tenant, TenantType
from tests.suppliers.builders import phone_build, warehouse_build


def _fresh_ids(*models) -> None:
    from tests.test_isolation import pk_unused_elsewhere

    for model in models:
        pk_unused_elsewhere(model)


def _owner(tenant):
    from accounts.models import User

    return User.objects.get(email=f"isolation-owner@{tenant.slug}.test")


def _listed(tenant) -> Product:
    category_tree_seed()
    _fresh_ids(Product, Sku, ProductImage)
    return phone_build(code=f"PUBISO-{tenant.slug}", name=f"发布隔离 {tenant.slug}", listed=True)


# --- supplier domain ---------------------------------------------------------------------------


def product_unpublished_made(tenant):
    product = _listed(tenant)
    return {"pk": product.pk}, product.name


def product_not_published(kwargs) -> bool:
    return Product.objects.get(pk=kwargs["pk"]).published_audience == ""


def offers_made(tenant):
    product = _listed(tenant)
    publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
    return {}, product.name


def authorisation_made(tenant):
    """The home supplier authorises the first live dealer: its box is ticked only at home."""
    dealer = Tenant.objects.filter(type=TenantType.DEALER, status="active").order_by("name").first()
    publishing.dealer_authorisations_update(actor=None, authorise=[dealer.pk], revoke=[])
    return {}, f'value="{dealer.pk}" checked'


def _stocked(tenant):
    product = _listed(tenant)
    warehouse_build(code="ISOS", name=f"同步隔离仓 {tenant.slug}")
    return product.skus.order_by("position").first()


def batch_made(tenant):
    sku = _stocked(tenant)
    sync_id = f"iso-sync-{tenant.slug}"
    sync.stock_sync_apply(
        sync_id=sync_id, items=[{"sku": sku.code, "warehouse": "ISOS", "on_hand": 7}]
    )
    return {}, sync_id


def alert_made(tenant):
    sku = _stocked(tenant)
    sync.stock_sync_apply(
        sync_id=f"iso-alert-{tenant.slug}",
        items=[{"sku": sku.code, "warehouse": "ISOS", "on_hand": 20}],
    )
    level = StockLevel.objects.get(sku=sku, warehouse__code="ISOS")
    StockLevel.objects.filter(pk=level.pk).update(safety_stock=50)
    sync.stock_changed(stock_level_ids=[level.pk], sku_ids=[sku.pk])
    return {}, sku.code


def tokens_made(tenant):
    token, _key = api_token_create(actor=_owner(tenant), name=f"iso-token-{tenant.slug}")
    return {}, token.name


def token_made(tenant):
    _fresh_ids(ApiToken)
    token, _key = api_token_create(actor=_owner(tenant), name=f"iso-token-{tenant.slug}")
    return {"pk": token.pk}, token.name


def token_active(kwargs) -> bool:
    return ApiToken.objects.get(pk=kwargs["pk"]).revoked_at is None


# --- every tenant domain: notifications -----------------------------------------------------------


def _note(tenant, title):
    from accounts.notifications import notification_send

    (notification,) = notification_send(recipients=[_owner(tenant)], kind="test", title=title)
    return notification


def notifications_made(tenant):
    return {}, _note(tenant, f"iso-note-{tenant.slug}").title


def notification_made(tenant):
    from accounts.models import Notification

    _fresh_ids(Notification)
    notification = _note(tenant, f"iso-note-{tenant.slug}")
    return {"pk": notification.pk}, notification.title


def notification_unread(kwargs) -> bool:
    from accounts.models import Notification

    return Notification.objects.get(pk=kwargs["pk"]).read_at is None


def badge_made(tenant):
    for index in range(7):
        _note(tenant, f"iso-badge-{index}")
    return {}, ">7<"
