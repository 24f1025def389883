from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from consilium.core.openapi import ApiDocsView
from consilium.core.views import health

urlpatterns = [
    path("", include("consilium.dashboard.urls")),
    path("", include("consilium.feedback.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("audit/", include("consilium.audit.urls")),
    path("api/v1/", include("consilium.analyses.urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path(
        "api/docs/",
        ApiDocsView.as_view(authentication_classes=[], permission_classes=[], url_name="schema"),
        name="api-docs",
    ),
    path("dicomweb/", include("consilium.dicomweb.urls")),
    path("fhir/", include("consilium.fhir.urls")),
    path("health/", health, name="health"),
]
