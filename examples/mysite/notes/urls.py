from django.urls import path

from . import views

app_name = "notes"

urlpatterns = [
    path("", views.home, name="home"),
    path("notes/new/", views.note_create, name="create"),
    path("notes/<int:pk>/", views.note_detail, name="detail"),
    path("account/", views.account, name="account"),
    path("upload/", views.upload, name="upload"),
    path("attachments/<int:pk>/", views.attachment_detail, name="attachment"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="download"),
    path("stream/", views.stream, name="stream"),
    path("api/notes/", views.api_notes, name="api-notes"),
    path("api/request/", views.api_request, name="api-request"),
]
