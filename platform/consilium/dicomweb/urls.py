from django.urls import path

from consilium.dicomweb import views

app_name = "dicomweb"

urlpatterns = [
    path("studies", views.studies, name="studies"),
    path("studies/<str:study_uid>", views.study, name="study"),
    path("studies/<str:study_uid>/series", views.study_series, name="study-series"),
    path(
        "studies/<str:study_uid>/series/<str:series_uid>/instances",
        views.series_instances,
        name="series-instances",
    ),
    path(
        "studies/<str:study_uid>/series/<str:series_uid>/instances/<str:sop_uid>",
        views.instance,
        name="instance",
    ),
]
