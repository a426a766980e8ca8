import django
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt


def hello(request):
    return HttpResponse("Hello from Django", content_type="text/plain; charset=utf-8")


def info(request):
    return JsonResponse({
        "django": django.get_version(),
        "method": request.method,
        "path": request.path,
        "path_info": request.path_info,
        "script_name": request.META.get("SCRIPT_NAME"),
        "query": request.GET.dict(),
        "host": request.get_host(),
        "hello_url": reverse("hello"),
        "absolute_hello_url": request.build_absolute_uri(reverse("hello")),
        "multithread": request.META.get("wsgi.multithread"),
    })


def greet(request, name):
    return render(request, "mysite/greeting.html", {"name": name, "items": ["one", "two", "three"]})


@csrf_exempt
def submit(request):
    if request.method != "POST":
        return HttpResponse("POST only", status=405, content_type="text/plain")
    return JsonResponse({
        "fields": {key: request.POST.getlist(key) for key in request.POST},
        "files": {key: {"name": f.name, "size": f.size, "content": f.read().decode()} for key, f in request.FILES.items()},
        "content_type": request.content_type,
    })


def protected(request):
    return HttpResponse("accepted", content_type="text/plain")


def boom(request):
    raise RuntimeError("deliberate failure in a Django view")
