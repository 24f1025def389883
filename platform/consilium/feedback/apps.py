from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "consilium.feedback"
    label = "feedback"
