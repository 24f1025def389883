from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "consilium.dashboard"
    label = "dashboard"
