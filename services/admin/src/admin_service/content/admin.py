from django.contrib import admin

from admin_service.api.admin_base import TableAdmin
from admin_service.content.models import Comment, Post


class CommentInline(admin.TabularInline):
    model = Comment
    fk_name = "post"
    fields = ("author", "body", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("author",)
    extra = 0
    ordering = ("-created_at", "-id")
    show_change_link = True


@admin.register(Post)
class PostAdmin(TableAdmin):
    list_display = ("id", "title", "author", "comment_count", "created_at")
    list_select_related = ("author",)
    search_fields = ("title", "author__username")
    list_filter = ("created_at",)
    raw_id_fields = ("author",)
    readonly_fields = ("comment_count", "created_at", "updated_at")
    inlines = (CommentInline,)


@admin.register(Comment)
class CommentAdmin(TableAdmin):
    list_display = ("id", "post", "author", "created_at")
    list_select_related = ("post", "author")
    search_fields = ("body", "author__username")
    raw_id_fields = ("post", "author")
    readonly_fields = ("created_at",)
