"""The change-cost counter (bench.cost.changes): files and lines per side, read from a
patch, and the committed exercises still parse and touch both implementations."""

from __future__ import annotations

from pathlib import Path

from bench.cost import changes

PATCH = """\
diff --git a/libs/saaskit/src/saaskit/db/schema.py b/libs/saaskit/src/saaskit/db/schema.py
index 1111111..2222222 100644
--- a/libs/saaskit/src/saaskit/db/schema.py
+++ b/libs/saaskit/src/saaskit/db/schema.py
@@ -1,3 +1,5 @@
 posts = Table(
+    Column("summary", Text),
+
 )
-# old
diff --git a/services/admin/src/admin_service/notes/models.py b/services/admin/src/admin_service/notes/models.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/services/admin/src/admin_service/notes/models.py
@@ -0,0 +1,2 @@
+class Note:
+    pass
diff --git a/services/resources/src/resources_service/admin/templates/x.html b/services/resources/src/resources_service/admin/templates/x.html
index 1111111..2222222 100644
--- a/services/resources/src/resources_service/admin/templates/x.html
+++ b/services/resources/src/resources_service/admin/templates/x.html
@@ -1 +1 @@
--- a line that starts with two dashes
+++ a line that starts with two pluses
diff --git a/tests/contract/test_notes.py b/tests/contract/test_notes.py
new file mode 100644
--- /dev/null
+++ b/tests/contract/test_notes.py
@@ -0,0 +1 @@
+def test(): ...
diff --git a/shared/contract/API.md b/shared/contract/API.md
--- a/shared/contract/API.md
+++ b/shared/contract/API.md
@@ -1 +1,2 @@
 # API
+## Notes
"""


def test_each_file_is_counted_on_the_side_its_path_names():
    files = {f.path: f for f in changes.parse(PATCH)}
    assert [f.side for f in files.values()] == ["kit", "django", "fastapi", "tests", "other"]
    kit = files["libs/saaskit/src/saaskit/db/schema.py"]
    assert (kit.added, kit.removed, kit.added_nonblank, kit.new) == (2, 1, 1, False)
    note = files["services/admin/src/admin_service/notes/models.py"]
    assert (note.added, note.new) == (2, True)
    # Inside a hunk, "---"/"+++" are content lines, not file headers.
    html = files["services/resources/src/resources_service/admin/templates/x.html"]
    assert (html.added, html.removed) == (1, 1)


def test_the_summary_adds_up_per_side():
    summary = changes.summarise(changes.parse(PATCH))["by_side"]
    assert summary["django"] == {"files": 1, "new_files": 1, "added": 2, "removed": 0,
                                 "added_nonblank": 2}
    assert summary["fastapi"]["files"] == 1 and summary["worker"]["files"] == 0
    assert sum(s["files"] for s in summary.values()) == 5


def test_the_committed_exercises_touch_both_implementations():
    directory = changes.DIRECTORY
    counted = changes.count_all()
    assert len(counted) >= 3, "the three exercises of issue 30"
    for name, change in counted.items():
        assert Path(directory / change["patch"]).exists(), name
        by_side = change["by_side"]
        assert by_side["fastapi"]["files"] > 0 and by_side["django"]["files"] > 0, name
        assert by_side["fastapi"]["added"] > 0 and by_side["django"]["added"] > 0, name
