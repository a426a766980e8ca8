from django.urls import path

from . import views

urlpatterns = [
    path("hello/", views.hello, name="hello"),
    path("info/", views.info, name="info"),
    path("greet/<str:name>/", views.greet, name="greet"),
    path("submit/", views.submit, name="submit"),
    path("protected/", views.protected, name="protected"),
    path("boom/", views.boom, name="boom"),
]
