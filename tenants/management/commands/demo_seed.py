"""Seed a demo platform: a platform admin, two suppliers and two dealers with known logins.

Also seeds the platform's category tree (catalog.seed). Idempotent: what exists is kept
(passwords and roles of the demo users are reset to the documented ones), what is missing is
made. Tenants go through the real onboarding services (submit with a business licence →
pre-check → approve → ``tenant_provision``), synchronously, so the demo needs no worker yet.

``make demo`` runs it after ``migrate_schemas`` and ``platform_bootstrap``; it ends by printing
every URL and login of the demo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from catalog.seed import category_tree_seed
from platform_site.demo_catalogue import demo_catalogue_seed
from platform_site.demo_orders import DEMO_BUYERS, DEMO_CARRIER_SECRET, demo_orders_seed
from tenants import services
from tenants.models import (
    ApplicationStatus,
    Tenant,
    TenantApplication,
    TenantStatus,
    TenantType,
    tenant_base_url,
)
from tenants.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

# One password for every demo login; printed by the command and in the README.
DEMO_PASSWORD = "s2b2b-demo-pass"
PLATFORM_ADMIN_EMAIL = "admin@platform.example"
PLATFORM_ADMIN_NAME = "平台管理员 Platform admin"


def organisation_code(body: str) -> str:
    """The 9-character organisation code (GB 11714-1997): ``body`` (8 characters) + check."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch, 36) * weight for ch, weight in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(*, region: str, organisation: str) -> str:
    """An 18-character unified social credit code (GB 32100-2015) of a company (工商, 企业)."""
    first17 = "91" + region + organisation_code(organisation)
    if len(region) != 6 or not region.isdigit() or set(first17) - set(CREDIT_CODE_ALPHABET):
        raise ValueError(f"{first17!r}: a 6-digit region and no I, O, S, V or Z, please")
    return first17 + credit_code_check_character(first17)


@dataclass(frozen=True)
class DemoUser:
    role: str
    local_part: str
    full_name: str


@dataclass(frozen=True)
class DemoCompany:
    slug: str
    type: str
    name_zh: str
    name_en: str
    region: str  # administrative division code (GB/T 2260) of the registering authority
    organisation: str  # first 8 characters of the organisation code
    phone: str
    business_scope: str
    users: tuple[DemoUser, ...]

    @property
    def company_name(self) -> str:
        return f"{self.name_zh} {self.name_en}"

    @property
    def credit_code(self) -> str:
        return credit_code(region=self.region, organisation=self.organisation)

    def email(self, user: DemoUser) -> str:
        return f"{user.local_part}@{self.slug}.example"

    @property
    def owner(self) -> DemoUser:
        return next(user for user in self.users if user.role == Role.OWNER)


DEMO_COMPANIES = (
    DemoCompany(
        slug="huaxin",
        type=TenantType.SUPPLIER,
        name_zh="华信电子",
        name_en="Huaxin Electronics",
        region="440300",  # 深圳市
        organisation="MA5F3K7N",
        phone="13800138001",
        business_scope="电子元器件、智能手机及配件的研发、生产与销售。"
        " R&D, manufacture and sale of electronic components, smartphones and accessories.",
        users=(
            DemoUser(Role.OWNER, "owner", "陈志强 Chen Zhiqiang"),
            DemoUser(Role.MANAGER, "manager", "李娜 Li Na"),
            DemoUser(Role.STAFF, "staff", "张伟 Zhang Wei"),
        ),
    ),
    DemoCompany(
        slug="greenleaf",
        type=TenantType.SUPPLIER,
        name_zh="绿叶日化",
        name_en="Greenleaf Daily Chemicals",
        region="330100",  # 杭州市
        organisation="MA2H7Q4C",
        phone="13900139002",
        business_scope="洗护用品、家居清洁用品的生产与批发。"
        " Manufacture and wholesale of personal care and household cleaning products.",
        users=(
            DemoUser(Role.OWNER, "owner", "林晓雯 Lin Xiaowen"),
            DemoUser(Role.MANAGER, "manager", "周杰 Zhou Jie"),
            DemoUser(Role.STAFF, "staff", "吴芳 Wu Fang"),
        ),
    ),
    DemoCompany(
        slug="eastlink",
        type=TenantType.DEALER,
        name_zh="东联商贸",
        name_en="Eastlink Trading",
        region="310115",  # 上海市浦东新区
        organisation="MA1G8B2W",
        phone="13700137003",
        business_scope="电子产品、日用百货的批发与零售，企业采购服务。"
        " Wholesale and retail of electronics and household goods; procurement services.",
        users=(
            DemoUser(Role.OWNER, "owner", "王建国 Wang Jianguo"),
            DemoUser(Role.MANAGER, "manager", "刘洋 Liu Yang"),
            DemoUser(Role.STAFF, "staff", "孙丽 Sun Li"),
        ),
    ),
    DemoCompany(
        slug="northstar",
        type=TenantType.DEALER,
        name_zh="北辰渠道",
        name_en="Northstar Channels",
        region="110105",  # 北京市朝阳区
        organisation="MA01R5XL",
        phone="13600136004",
        business_scope="家用电器、办公设备的渠道分销。"
        " Channel distribution of home appliances and office equipment.",
        users=(
            DemoUser(Role.OWNER, "owner", "赵敏 Zhao Min"),
            DemoUser(Role.MANAGER, "manager", "黄磊 Huang Lei"),
            DemoUser(Role.STAFF, "staff", "郑爽 Zheng Shuang"),
        ),
    ),
)


def _user_ensure(*, email: str, full_name: str, role: str, **extra) -> tuple[User, bool]:
    """The demo user ``email`` in the active schema, with the demo password and ``role``."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, full_name=full_name, role=role, **extra
        )
        return user, True
    changed = []
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        changed.append("password")
    for field, value in {"role": role, "is_active": True, **extra}.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
    return user, False


def platform_admin_ensure() -> tuple[User, bool]:
    connection.set_schema_to_public()
    return _user_ensure(
        email=PLATFORM_ADMIN_EMAIL,
        full_name=PLATFORM_ADMIN_NAME,
        role=Role.OWNER,
        is_staff=True,
        is_superuser=True,
    )


def demo_licence(*, company_name: str, credit_code: str) -> SimpleUploadedFile:
    """A PNG standing in for the scanned business licence (营业执照) the pre-check requires."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), (250, 246, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 627, 387), outline=(170, 40, 40), width=4)
    lines = ["BUSINESS LICENCE (DEMO)", company_name.encode("ascii", "ignore").decode().strip()]
    lines += [f"Unified social credit code: {credit_code}", "Not a real document."]
    for row, text in enumerate(lines):
        draw.text((40, 60 + row * 60), text, fill=(60, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("business-licence.png", buffer.getvalue(), "image/png")


def _application_submit(company: DemoCompany) -> TenantApplication:
    """Apply as the company would through the public form: the same service and pre-check."""
    owner = company.owner
    return services.application_submit(
        tenant_type=company.type,
        company_name=company.company_name,
        credit_code=company.credit_code,
        contact_name=owner.full_name,
        contact_email=company.email(owner),
        contact_phone=company.phone,
        business_scope=company.business_scope,
        subdomain=company.slug,
        language=settings.LANGUAGE_CODE,
        business_licence=demo_licence(
            company_name=company.company_name, credit_code=company.credit_code
        ),
    )


def company_seed(company: DemoCompany, *, reviewer: User) -> tuple[Tenant, bool]:
    """The live tenant of ``company``, onboarded through the services if missing."""
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(slug=company.slug).first()
    made = tenant is None
    if made:
        application = (
            TenantApplication.objects.filter(subdomain=company.slug)
            .exclude(status=ApplicationStatus.REJECTED)
            .first()
        ) or _application_submit(company)
        if application.status == ApplicationStatus.SUBMITTED:
            services.application_approve(application_id=application.pk, reviewer=reviewer)
        elif application.status == ApplicationStatus.FAILED:
            services.application_retry(application_id=application.pk, reviewer=reviewer)
        tenant = services.tenant_provision(application_id=application.pk)
    with tenant_context(tenant):
        for user in company.users:
            _user_ensure(email=company.email(user), full_name=user.full_name, role=user.role)
    connection.set_schema_to_public()
    return tenant, made


def platform_url(path: str = "/") -> str:
    return tenant_base_url(settings.PLATFORM_DOMAIN) + path


def banner() -> str:
    """Every URL and login of the demo, for the terminal."""
    connection.set_schema_to_public()
    tenants = {tenant.slug: tenant for tenant in Tenant.objects.filter(slug__isnull=False)}
    rule = "=" * 78
    lines = [
        rule,
        "S2B2B demo platform",
        rule,
        f"  Platform (public site)   {platform_url('/')}",
        f"  Platform administration  {platform_url('/admin/')}",
        f"      platform admin   {PLATFORM_ADMIN_EMAIL}",
        "",
    ]
    for company in DEMO_COMPANIES:
        tenant = tenants.get(company.slug)
        if tenant is None:
            continue
        kind = "supplier 供应商" if company.type == TenantType.SUPPLIER else "dealer 渠道商"
        lines.append(f"  {company.company_name} ({kind})   {tenant.base_url}/")
        for user in company.users:
            lines.append(f"      {user.role:<8} {company.email(user)}")
        for email, *_rest in DEMO_BUYERS.get(company.slug, []):
            lines.append(f"      {'buyer':<8} {email}  (storefront: {tenant.base_url}/)")
        lines.append("")
    demo_slugs = {company.slug for company in DEMO_COMPANIES}
    others = [
        tenant
        for slug, tenant in sorted(tenants.items())
        if slug not in demo_slugs and tenant.status == TenantStatus.ACTIVE
    ]
    if others:
        lines.append("  Other tenants (made through the application form):")
        lines.extend(f"      {tenant.name}   {tenant.base_url}/" for tenant in others)
        lines.append("")
    lines += [
        f"  Password of every demo login: {DEMO_PASSWORD}",
        f"  Carrier callback: POST {platform_url('/api/v1/carriers/sf/callback/')} "
        f"(HMAC secret {DEMO_CARRIER_SECRET})",
        "  *.localhost resolves to this machine in browsers and curl; no /etc/hosts needed.",
        rule,
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Seed the demo platform (platform admin, two suppliers, two dealers with owner, manager "
        "and staff logins) through the onboarding services, then print every URL and login. "
        "Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-banner", action="store_true", help="Do not print the URLs and logins."
        )

    def handle(self, *args, no_banner=False, **options):
        counts = category_tree_seed()
        self.stdout.write(
            f"platform categories: {counts['categories']} ({counts['leaves']} leaves)"
        )
        reviewer, _ = platform_admin_ensure()
        for company in DEMO_COMPANIES:
            tenant, made = company_seed(company, reviewer=reviewer)
            self.stdout.write(
                f"{'provisioned' if made else 'kept'}: {tenant.name} at {tenant.host}"
            )
        made = demo_catalogue_seed()
        self.stdout.write(
            "demo catalogue: "
            + ", ".join(f"{slug} +{count}" for slug, count in made.items())
            + " (products made by suppliers / listings added by dealers)"
        )
        orders = demo_orders_seed(DEMO_PASSWORD)
        self.stdout.write(
            "demo buyers and orders: "
            + ", ".join(f"{slug} {count} orders" for slug, count in orders.items())
        )
        if not no_banner:
            self.stdout.write(banner())
