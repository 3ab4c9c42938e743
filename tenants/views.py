"""Public pages of the platform domain: the landing page and the tenant applications."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.views.generic import FormView, TemplateView

from tenants import services
from tenants.forms import TenantApplicationForm
from tenants.models import TenantApplication

SUBMITTED_SESSION_KEY = "tenants:submitted-application"


class LandingView(TemplateView):
    template_name = "tenants/landing.html"


class TenantApplicationCreateView(FormView):
    """The application form of one tenant type (``tenant_type`` comes from the URL)."""

    template_name = "tenants/application_create.html"
    form_class = TenantApplicationForm
    tenant_type: str = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tenant_type": self.tenant_type}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tenant_type"] = self.tenant_type
        context["platform_domain"] = settings.PLATFORM_DOMAIN
        context["max_document_size"] = settings.APPLICATION_DOCUMENT_MAX_BYTES
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            application = services.application_submit(
                tenant_type=self.tenant_type,
                company_name=data["company_name"],
                credit_code=data["credit_code"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
                business_scope=data["business_scope"],
                subdomain=data["subdomain"],
                language=translation.get_language(),
                business_licence=data["business_licence"],
                other_documents=data["other_documents"],
            )
        except ValidationError as error:
            form.apply_service_errors(error)
            return self.form_invalid(form)
        self.request.session[SUBMITTED_SESSION_KEY] = application.pk
        return redirect(reverse("tenants:application-submitted"))


class TenantApplicationSubmittedView(TemplateView):
    """Thanks, and what happens next; only for the browser that just applied."""

    template_name = "tenants/application_submitted.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application_id = self.request.session.get(SUBMITTED_SESSION_KEY)
        application = TenantApplication.objects.filter(pk=application_id).first()
        if application is None:
            raise Http404
        context["application"] = application
        context["platform_domain"] = settings.PLATFORM_DOMAIN
        return context
