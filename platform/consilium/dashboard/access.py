"""The one place a member's site is resolved and their role checked; pages scope to request.site."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from consilium.accounts.models import Role
from consilium.accounts.services import user_membership


def site_member_required(view: Callable) -> Callable:
    """Logged in and a member of a site; sets request.site and request.role.

    Everything a page shows is filtered by request.site, so another site's objects answer 404.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            htmx = getattr(request, "htmx", None)
            if not htmx:
                return redirect_to_login(request.get_full_path())
            # A poll after the session expired: send the whole page to the login, not the table,
            # and back to the page the poll came from, not to the poll's own URL.
            response = HttpResponse(status=204)
            back = htmx.current_url_abs_path or request.get_full_path()
            response["HX-Redirect"] = redirect_to_login(back).url
            return response
        membership = user_membership(user=request.user)
        if membership is None:
            raise PermissionDenied("Your account is not a member of any site.")
        request.site = membership.site
        request.role = membership.role
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles: Role) -> Callable[[Callable], Callable]:
    """A site member whose role is one of `roles` (403 otherwise); implies site_member_required."""
    allowed = {str(role) for role in roles}

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args, **kwargs):
            if request.role not in allowed:
                names = ", ".join(Role(role).label.lower() for role in sorted(allowed))
                raise PermissionDenied(f"This page is for: {names}.")
            return view(request, *args, **kwargs)

        return site_member_required(checked)

    return decorator
