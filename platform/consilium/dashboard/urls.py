from django.urls import path

from consilium.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("studies/<int:pk>/", views.study_detail, name="study"),
    path("studies/<int:pk>/analyse", views.study_analyse, name="study-analyse"),
    path("instances/<int:pk>.png", views.instance_png, name="instance-png"),
]
