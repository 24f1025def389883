from rest_framework.permissions import BasePermission


class HasSite(BasePermission):
    """Authenticated as a hospital system (bearer token): every query is scoped to its site."""

    message = "Authentication with a valid API token is required."

    def has_permission(self, request, view) -> bool:
        return getattr(request.user, "site", None) is not None
