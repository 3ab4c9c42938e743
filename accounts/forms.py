"""Forms of the accounts app: parse input, call one service, say what went wrong."""

from __future__ import annotations

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.models import TEAM_ROLES, Role, User


class ThrottledLoginMixin(forms.Form):
    """Sign-in by email and password through ``services.login_authenticate``.

    The field keeps Django's name ``username`` (so Django's and the admin's login views and
    templates work unchanged) but takes an email address.
    """

    username = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            try:
                self.user_cache = services.login_authenticate(
                    request=self.request, email=email, password=password
                )
            except services.LoginLockedError as locked:
                minutes = max(1, math.ceil(locked.seconds / 60))
                raise ValidationError(
                    ngettext(
                        "Too many failed sign-in attempts. Please wait %(minutes)d minute "
                        "and try again.",
                        "Too many failed sign-in attempts. Please wait %(minutes)d minutes "
                        "and try again.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    code="locked",
                ) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
            services.login_succeeded(request=self.request, user=self.user_cache, login=email)
        return self.cleaned_data


class LoginForm(ThrottledLoginMixin, auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("The email address or the password is not right."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if getattr(getattr(request, "tenant", None), "type", None) == "dealer":
            # Buyers sign in at a dealer with their email or their mobile number
            # (buyers.backends.MobileBackend); throttling counts what was typed.
            self.fields["username"] = forms.CharField(
                label=_("Email or mobile number"),
                max_length=254,
                widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
            )


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The platform administration's sign-in (public schema), with the same throttling."""


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Also reaches members who never set a password (invited, or new owners whose link
    expired); a user of another tenant does not exist in this schema and gets nothing.

    The email is rendered here and sent by Celery (``accounts.email_send``): the request takes
    as long whether or not the address belongs to a member, and a slow mail server never
    holds it up."""

    def get_users(self, email):
        return (
            user
            for user in User._default_manager.filter(email__iexact=email.strip(), is_active=True)
        )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from accounts.tasks import email_send_task

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else ""
        )
        email_send_task.delay(
            subject=subject, body=body, to=[to_email], from_email=from_email, html=html
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Choose a password through a one-time link (reset, invitation, new owner)."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        return services.user_password_set(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            action="auth.password_reset",
            request=self.request,
        )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def save(self, commit=True):
        return services.user_password_set(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            action="auth.password_change",
        )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=32, required=False)


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        grantable = services.roles_grantable(actor)
        self.fields["role"].choices = [(role, Role(role).label) for role in grantable]
        self.fields["role"].initial = Role.STAFF
        if grantable == [Role.STAFF]:
            self.fields["role"].help_text = _("Managers may invite staff; owners any role.")


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=[(role.value, role.label) for role in TEAM_ROLES]
    )
