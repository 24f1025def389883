from django.urls import path

from consilium.feedback import views

app_name = "feedback"

urlpatterns = [
    path("studies/<int:pk>/feedback", views.feedback_create, name="submit"),
    path("labels/", views.labels_list, name="labels"),
]
