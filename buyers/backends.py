"""Sign-in of buyers by mobile number (``settings.AUTHENTICATION_BACKENDS``).

Django's ``ModelBackend`` signs users in by email; this backend takes what was typed into the
same field as a mobile number and resolves it to a buyer user of the active (dealer) schema.
Staff never sign in by mobile number. Failed-attempt throttling is done before any backend
runs (``accounts.services.login_authenticate``, keyed on what was typed).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from accounts.models import Role, User
from buyers.phone import mobile_normalise


class MobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        phone = mobile_normalise(username)
        if not phone:
            return None
        user = User.objects.filter(role=Role.BUYER, phone=phone).first()
        if user is None:
            # Hash anyway, so an unknown number takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
