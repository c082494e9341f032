from django.shortcuts import render

from .models import Post


def post_list(request):
    return render(request, "blog/post_list.html", {"posts": Post.objects.order_by("-published")})
