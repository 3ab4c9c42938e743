"""Users and the audit log.

The ``accounts`` app is installed in every schema: platform staff live in the public
schema, supplier staff in their supplier's schema, dealer staff and buyers in their
dealer's schema. A user of one tenant therefore does not exist at another.
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.schema_guard import SchemaBoundModel


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")
    # A buyer's user at a dealer (dealer schema only): signs in on the storefront, never in the
    # backoffice (rank 0 passes no ``has_role`` check). Company and buyer role: buyers.Buyer.
    BUYER = "buyer", _("Buyer")


# Higher rank may do everything a lower rank may.
ROLE_RANK = {Role.BUYER: 0, Role.STAFF: 1, Role.MANAGER: 2, Role.OWNER: 3}
TEAM_ROLES = (Role.OWNER, Role.MANAGER, Role.STAFF)
# Who is told what a tenant must act on (new orders, low stock, statements).
MANAGER_ROLES = (Role.OWNER, Role.MANAGER)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        if not email and not (extra_fields.get("role") == Role.BUYER and extra_fields.get("phone")):
            raise ValueError("A user needs an email address (a buyer: or a mobile number).")
        email = self.normalize_email(email).lower() if email else None
        user = self.model(email=email, **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", Role.OWNER)
        return self.create_user(email, password, **extra_fields)


class User(SchemaBoundModel, AbstractBaseUser, PermissionsMixin):
    # Empty (NULL) only for a buyer who registered with a mobile number.
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("mobile number"), max_length=32, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("platform staff"),
        default=False,
        help_text=_("May sign in to the platform administration (public schema only)."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(role="buyer") & ~models.Q(phone=""),
                name="user_buyer_mobile_unique",
                violation_error_message=_("Another account already uses this mobile number."),
            ),
            models.CheckConstraint(
                condition=models.Q(email__isnull=False)
                | (models.Q(role="buyer") & ~models.Q(phone="")),
                name="user_has_email_or_buyer_mobile",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email or self.phone

    def get_full_name(self):
        return self.full_name or self.email or self.phone

    def get_short_name(self):
        return self.full_name or self.email or self.phone

    @property
    def is_buyer(self) -> bool:
        return self.role == Role.BUYER

    @property
    def login_name(self) -> str:
        """What the user signs in with: the email address, else the mobile number."""
        return self.email or self.phone

    def has_role(self, role: str) -> bool:
        """True when the user's role is ``role`` or ranks above it."""
        return self.is_active and ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]


class AuditLog(SchemaBoundModel):
    """Who did what, written in the same transaction as the action, in the acting schema."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class Notification(SchemaBoundModel):
    """An in-app message to one user of this schema (low stock, later orders and the like).

    Written by accounts.notifications.notification_send; ``link`` is a path on the same domain.
    """

    recipient = models.ForeignKey(
        User,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_time"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
