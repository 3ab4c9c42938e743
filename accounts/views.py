"""Sign-in, passwords, the team, the audit log and the profile, on every tenant domain.

Thin views: parse, call one service or selector, render. Permissions: the team list and
invitations need a manager, role changes, deactivation and the audit log an owner, the profile
any signed-in member (``accounts.permissions``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts import forms, selectors, services, throttle
from accounts.models import Role
from accounts.permissions import TenantBackofficeMixin

# --- Sign-in and passwords (also served on the platform domain, for platform staff) ----------


def _organisation(request) -> str:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_public:
        return _("the S2B2B platform")
    return tenant.name


class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # A dealer's "/" is its public storefront: buyers land there, its staff in the
        # backoffice. (A safe ``next`` wins over both.)
        tenant = getattr(self.request, "tenant", None)
        user = self.request.user
        is_buyer = getattr(user, "role", None) == Role.BUYER
        if not self.next_page and getattr(tenant, "type", None) == "dealer" and not is_buyer:
            return reverse("channels:dashboard")
        return super().get_default_redirect_url()


class PasswordResetView(auth_views.PasswordResetView):
    """Emails a link to the domain the request came to; says the same whether or not the
    address belongs to a member here. At most PASSWORD_RESET_LIMIT_PER_EMAIL emails per address
    asked for and PASSWORD_RESET_LIMIT_PER_CLIENT requests per client address per hour
    (``accounts.throttle.reset_allowed``): nobody floods a mailbox through us."""

    form_class = forms.PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset_body.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def get_extra_email_context(self):
        return {"organisation": _organisation(self.request)}

    def form_valid(self, form):
        address = throttle.client_address(self.request)
        if not throttle.reset_allowed(email=form.cleaned_data["email"], address=address):
            # The same answer as a sent email, so the limit tells nothing; nothing is sent.
            return redirect(self.get_success_url())
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The one-time link of a password reset, an invitation or a new owner's welcome mail."""

    form_class = forms.SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Profile -------------------------------------------------------------------------------------


class ProfileUpdateView(TenantBackofficeMixin, FormView):
    required_role = Role.STAFF
    form_class = forms.ProfileForm
    template_name = "accounts/profile_update.html"

    def get_initial(self):
        return {"full_name": self.request.user.full_name, "phone": self.request.user.phone}

    def form_valid(self, form):
        services.profile_update(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Your profile has been saved."))
        return redirect("accounts:profile")


class PasswordChangeView(TenantBackofficeMixin, auth_views.PasswordChangeView):
    required_role = Role.STAFF
    form_class = forms.PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


# --- Team ----------------------------------------------------------------------------------------


class TeamListView(TenantBackofficeMixin, ListView):
    required_role = Role.MANAGER
    template_name = "accounts/team_list.html"
    context_object_name = "members"
    paginate_by = 50

    def get_queryset(self):
        return selectors.member_list(query=self.request.GET.get("q", "").strip())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            query=self.request.GET.get("q", "").strip(),
            can_manage=self.request.user.has_role(Role.OWNER),
            **kwargs,
        )


class TeamInviteView(TenantBackofficeMixin, FormView):
    required_role = Role.MANAGER
    form_class = forms.MemberInviteForm
    template_name = "accounts/team_invite.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.request.user}

    def form_valid(self, form):
        try:
            member = services.member_invite(
                actor=self.request.user,
                base_url=f"{self.request.scheme}://{self.request.get_host()}",
                organisation=_organisation(self.request),
                **form.cleaned_data,
            )
        except services.MemberRuleError as error:
            form.add_error("email", ValidationError(str(error)))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(email)s has been invited and will receive a link to choose a password.")
            % {"email": member.email},
        )
        return redirect("accounts:team-list")


class _MemberMixin(TenantBackofficeMixin):
    required_role = Role.OWNER

    def get_member(self):
        # Looked up in this schema only: another tenant's member id is a 404 here.
        return selectors.member_get(pk=self.kwargs["pk"])


class TeamUpdateView(_MemberMixin, FormView):
    form_class = forms.MemberRoleForm
    template_name = "accounts/team_update.html"

    def get(self, request, *args, **kwargs):
        self.member = self.get_member()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.member = self.get_member()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"role": self.member.role}

    def get_context_data(self, **kwargs):
        return super().get_context_data(member=self.member, **kwargs)

    def form_valid(self, form):
        try:
            member = services.member_role_change(
                actor=self.request.user, member_id=self.member.pk, role=form.cleaned_data["role"]
            )
        except services.MemberRuleError as error:
            form.add_error("role", ValidationError(str(error)))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(email)s is now %(role)s.")
            % {"email": member.email, "role": member.get_role_display()},
        )
        return redirect("accounts:team-list")


class TeamDeactivateView(_MemberMixin, TemplateView):
    template_name = "accounts/team_deactivate.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(member=self.get_member(), **kwargs)

    def post(self, request, *args, **kwargs):
        member = self.get_member()
        try:
            services.member_deactivate(actor=request.user, member_id=member.pk)
        except services.MemberRuleError as error:
            messages.error(request, str(error))
            return redirect("accounts:team-list")
        messages.success(
            request,
            _("%(email)s has been deactivated and can no longer sign in.")
            % {"email": member.email},
        )
        return redirect("accounts:team-list")


class TeamReactivateView(_MemberMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        member = self.get_member()
        services.member_reactivate(actor=request.user, member_id=member.pk)
        messages.success(request, _("%(email)s can sign in again.") % {"email": member.email})
        return redirect("accounts:team-list")


# --- Audit log -----------------------------------------------------------------------------------


# What the audit log page shows for the actions it knows; any other action shows its code.
AUDIT_ACTION_LABELS = {
    "auth.login": gettext_lazy("Signed in"),
    "auth.login_locked": gettext_lazy("Sign-in locked after too many failures"),
    "auth.login_refused": gettext_lazy("Sign-in refused while locked"),
    "auth.password_reset": gettext_lazy("Password set through an emailed link"),
    "auth.password_change": gettext_lazy("Password changed"),
    "member.invite": gettext_lazy("Member invited"),
    "member.role_change": gettext_lazy("Role changed"),
    "member.deactivate": gettext_lazy("Member deactivated"),
    "member.reactivate": gettext_lazy("Member reactivated"),
    "profile.update": gettext_lazy("Profile updated"),
    "tenant.provisioned": gettext_lazy("Account opened"),
}


class AuditListView(TenantBackofficeMixin, ListView):
    required_role = Role.OWNER
    template_name = "accounts/audit_list.html"
    context_object_name = "records"
    paginate_by = 50

    def get_queryset(self):
        return selectors.audit_list(query=self.request.GET.get("q", "").strip())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.request.GET.get("q", "").strip(), **kwargs)
        for record in context["records"]:
            record.label = AUDIT_ACTION_LABELS.get(record.action, "")
        return context
