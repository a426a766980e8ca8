from django.contrib import admin

from .models import Attachment, Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["title", "created"]
    search_fields = ["title", "body"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "size", "uploaded_by", "uploaded"]
    readonly_fields = ["size", "sha256", "uploaded_by", "uploaded"]
