import hashlib

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from .forms import NoteForm, UploadForm
from .models import Attachment, Note


def home(request):
    return render(request, "notes/home.html", {"notes": Note.objects.all()[:20]})


def note_create(request):
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.save()
        return redirect(note)
    return render(request, "notes/note_form.html", {"form": form})


def note_detail(request, pk):
    return render(request, "notes/note_detail.html", {"note": get_object_or_404(Note, pk=pk)})


@login_required
def account(request):
    # A counter kept in the session shows that the session survives between requests.
    request.session["visits"] = request.session.get("visits", 0) + 1
    return render(request, "notes/account.html", {"visits": request.session["visits"]})


@login_required
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        digest = hashlib.sha256()
        for chunk in uploaded.chunks():
            digest.update(chunk)
        attachment = Attachment.objects.create(
            file=uploaded, size=uploaded.size, sha256=digest.hexdigest(), uploaded_by=request.user
        )
        return redirect(attachment)
    return render(request, "notes/upload.html", {"form": form, "attachments": Attachment.objects.all()[:10]})


@login_required
def attachment_detail(request, pk):
    return render(request, "notes/attachment.html", {"attachment": get_object_or_404(Attachment, pk=pk)})


@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(Attachment, pk=pk)
    # A FileResponse over a real file lets the server send it with wsgi.file_wrapper.
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@require_GET
def stream(request):
    """Lines produced one at a time: the client gets the first before the last exists."""
    count = min(int(request.GET.get("lines", "100")), 100_000)

    def lines():
        for number in range(1, count + 1):
            yield f"line {number} of {count}\n"

    return StreamingHttpResponse(lines(), content_type="text/plain; charset=utf-8")


@require_GET
def api_notes(request):
    notes = [
        {"id": note.pk, "title": note.title, "body": note.body, "created": note.created.isoformat()}
        for note in Note.objects.all()[:100]
    ]
    return JsonResponse({"notes": notes})


@require_GET
def api_request(request):
    """What the app was told about the client: useful when checking a proxy set-up."""
    return JsonResponse(
        {
            "remote_addr": request.META.get("REMOTE_ADDR", ""),
            "scheme": request.scheme,
            "is_secure": request.is_secure(),
            "host": request.get_host(),
            "script_name": request.META.get("SCRIPT_NAME", ""),
            "server_software": request.META.get("SERVER_SOFTWARE", ""),
        }
    )
