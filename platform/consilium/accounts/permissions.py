from rest_framework.permissions import BasePermission

from consilium.accounts.models import ApiScope
from consilium.accounts.scopes import MissingScopeError, scope_check


class HasSite(BasePermission):
    """Authenticated as a hospital system (bearer token) whose token has the view's scope.

    A view names its scope in `required_scope`; without one it needs `read-results`, since the
    REST surface serves results. Every query is then scoped to the token's site.
    """

    message = "Authentication with a valid API token is required."

    def has_permission(self, request, view) -> bool:
        client = getattr(request.user, "client", None)
        if client is None or getattr(request.user, "site", None) is None:
            return False
        try:
            scope_check(client=client, scope=getattr(view, "required_scope", ApiScope.READ_RESULTS))
        except MissingScopeError as error:
            self.message = str(error)
            return False
        return True
