from django.urls import path

from consilium.dicomweb import views

app_name = "dicomweb"

STUDY = "studies/<str:study_uid>"
SERIES = f"{STUDY}/series/<str:series_uid>"
INSTANCE = f"{SERIES}/instances/<str:sop_uid>"

urlpatterns = [
    path("studies", views.studies, name="studies"),
    path("series", views.all_series, name="all-series"),
    path("instances", views.all_instances, name="all-instances"),
    path(STUDY, views.study, name="study"),
    path(f"{STUDY}/metadata", views.study_metadata, name="study-metadata"),
    path(f"{STUDY}/series", views.study_series, name="study-series"),
    path(f"{STUDY}/instances", views.study_instances, name="study-instances"),
    path(SERIES, views.series, name="series"),
    path(f"{SERIES}/metadata", views.series_metadata, name="series-metadata"),
    path(f"{SERIES}/instances", views.series_instances, name="series-instances"),
    path(INSTANCE, views.instance, name="instance"),
    path(f"{INSTANCE}/metadata", views.instance_metadata, name="instance-metadata"),
    path(f"{INSTANCE}/rendered", views.instance_rendered, name="instance-rendered"),
    path(f"{INSTANCE}/frames/<str:frames>", views.frames, name="frames"),
    path(f"{INSTANCE}/frames/<str:frames>/rendered", views.frames_rendered, name="frames-rendered"),
    path(f"{INSTANCE}/bulkdata/<path:path>", views.bulkdata, name="bulkdata"),
]
