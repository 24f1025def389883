from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "consilium.audit"
    label = "audit"
