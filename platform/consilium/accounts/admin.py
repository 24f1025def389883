from django.contrib import admin

from consilium.accounts.models import ApiClient, Membership, Site

admin.site.register(Site)
admin.site.register(Membership)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "token_prefix", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["token_prefix", "token_hash"]
