from django.conf import settings
from django.core.management.base import BaseCommand

from tenants import provisioning
from tenants.models import Domain, Tenant, TenantStatus, TenantType


class Command(BaseCommand):
    help = "Create the platform (public) tenant, the per-type template schemas and the warm pool. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--pool", type=int, default=None, help="Spare schemas to keep per tenant type."
        )

    def handle(self, *args, pool=None, **options):
        public, _ = Tenant.objects.get_or_create(
            schema_name=settings.PUBLIC_SCHEMA_NAME,
            defaults={"type": "public", "name": "Platform", "status": TenantStatus.ACTIVE},
        )
        Domain.objects.get_or_create(
            domain=settings.PLATFORM_DOMAIN, defaults={"tenant": public, "is_primary": True}
        )
        for tenant_type in TenantType.values:
            provisioning.template_ensure(tenant_type)
            made = provisioning.pool_refill(tenant_type, pool)
            self.stdout.write(
                f"{tenant_type}: template ready, {made} spare schema(s) added to the pool"
            )
