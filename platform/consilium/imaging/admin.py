from django.contrib import admin

from consilium.imaging.models import ClinicalNote, Instance, Patient, Series, Study

admin.site.register([Patient, Study, Series, Instance, ClinicalNote])
