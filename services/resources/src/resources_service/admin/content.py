"""Posts and comments (the Django admin's ``content/admin.py``)."""

from __future__ import annotations

from sqladmin.filters import OperationColumnFilter

from resources_service.admin.base import TableView
from resources_service.admin.models import Comment, Post


class PostAdmin(TableView, model=Post):
    name, name_plural, icon = "Post", "Posts", "fa-solid fa-newspaper"
    column_list = ["id", "title", "author", "comment_count", "created_at"]
    column_searchable_list = ["title", "author.username"]
    # An author by id: SQLAdmin's ForeignKeyFilter would list every user on the page.
    column_filters = [
        OperationColumnFilter("author_id", title="Author id"),
        OperationColumnFilter("created_at", title="Created"),
    ]
    column_default_sort = [("created_at", True), ("id", True)]
    column_sortable_list = ["id", "comment_count", "created_at"]
    # The post's page lists its comments (links; SQLAdmin has no inline forms).
    column_details_list = ["id", "title", "body", "author", "comment_count", "created_at", "updated_at", "comments"]
    form_columns = ["title", "body"]


class CommentAdmin(TableView, model=Comment):
    name, name_plural, icon = "Comment", "Comments", "fa-solid fa-comment"
    column_list = ["id", "post", "author", "created_at"]
    column_searchable_list = ["body", "author.username"]
    column_filters = [OperationColumnFilter("author_id", title="Author id")]
    column_default_sort = [("id", True)]
    form_columns = ["body"]
