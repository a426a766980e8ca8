from pathlib import PurePath

from django.db import models
from django.urls import reverse


class Note(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("notes:detail", args=[self.pk])


class Attachment(models.Model):
    file = models.FileField(upload_to="attachments/%Y/%m/")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL)
    uploaded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded", "-id"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return PurePath(self.file.name).name

    def get_absolute_url(self):
        return reverse("notes:attachment", args=[self.pk])
