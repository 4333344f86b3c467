"""Code per admin feature on both sides: ``python -m bench.admin_code``.

The cost tool (``bench.cost.code``) counts its "admin" feature as whole files; this
splits both admins into the features issue 30 lists, down to top-level definitions
(a class, a function, a table), counted the same way: radon's SLOC (lines of code
without blank lines, comments and docstrings) for Python, non-blank lines for a
template. A feature's files are the distinct files its code is in.

What each side needs and the other gets for free is a row of its own, not hidden:
the FastAPI side's ORM classes (its API uses Core tables; Django's admin reuses the
DRF twin's models), its staff table and login (Django's ``auth_user``, sessions and
CSRF come with Django).
"""

from __future__ import annotations

import subprocess

from bench.cost.code import ROOT, _raw, _segments

FASTAPI = "services/resources/src/resources_service/admin/"
DJANGO = "services/admin/src/admin_service/"
KIT = "libs/saaskit/src/saaskit/"

# feature -> side -> [(path, top-level names or None for the whole file)]
Part = tuple[str, list[str] | None]
FEATURES: dict[str, dict[str, list[Part]]] = {
    "users: list, search, filters, edit; deactivate, force logout, resend verification": {
        "sqladmin": [(FASTAPI + "accounts.py", ["_ids", "UserAdmin"]),
                     (FASTAPI + "services.py", ["deactivate", "_revoke", "force_logout", "resend_verification"])],
        "django": [(DJANGO + "accounts/admin.py", ["UserAdmin"]),
                   (DJANGO + "accounts/services.py", ["deactivate", "force_logout"]),
                   (DJANGO + "accounts/lifecycle.py", ["resend_verification"])],
    },
    "refresh tokens": {
        "sqladmin": [(FASTAPI + "accounts.py", ["RefreshTokenAdmin"])],
        "django": [(DJANGO + "accounts/admin.py", ["RefreshTokenAdmin"])],
    },
    "posts and comments: search, author filter, comment count, a post's comments": {
        "sqladmin": [(FASTAPI + "content.py", None)],
        "django": [(DJANGO + "content/admin.py", None)],
    },
    "files: list, search, status filter; reprocess": {
        "sqladmin": [(FASTAPI + "files.py", None), (FASTAPI + "services.py", ["reprocess"])],
        "django": [(DJANGO + "files/admin.py", None), (DJANGO + "files/services.py", ["reprocess"])],
    },
    "jobs (retry) and the email outbox": {
        "sqladmin": [(FASTAPI + "jobs.py", None), (FASTAPI + "services.py", ["retry"])],
        "django": [(DJANGO + "jobs/admin.py", None), (DJANGO + "jobs/services.py", ["requeue"])],
    },
    "the base of every view, actions (confirm, queue, messages)": {
        "sqladmin": [(FASTAPI + "base.py", None), (FASTAPI + "services.py", ["log", "_push"]),
                     (FASTAPI + "templates/confirm_action.html", None)],
        "django": [(DJANGO + "api/admin_base.py", None)],
    },
    "the tables mapped for the admin": {
        "sqladmin": [(FASTAPI + "models.py", None)],
        "django": [],  # the DRF twin's unmanaged models serve the admin as they are
    },
    "staff accounts, login, session, CSRF, throttled login, the site": {
        "sqladmin": [(FASTAPI + "staff.py", None), (FASTAPI + "site.py", None),
                     (FASTAPI + "templates/sqladmin/base.html", None), (FASTAPI + "__init__.py", None),
                     (KIT + "db/schema.py", ["staff_accounts"]),
                     (KIT + "migrations/versions/0003_staff_accounts.py", None),
                     ("services/resources/src/resources_service/main.py", ["create_app"])],
        "django": [(DJANGO + "api/admin_site.py", None),
                   (DJANGO + "templates/admin/base_site.html", None)],
    },
}
WIRING_NOTE = (
    "Not counted: the lines that switch an admin on outside these files (Django: the "
    "INSTALLED_APPS entries and the /admin/ route; FastAPI: `make staff`), a few on each "
    "side; `create_app` is counted whole (it is the service's factory, 3 of its lines are the mount)."
)


def _count(path: str, names: list[str] | None) -> int:
    source = (ROOT / path).read_text()
    if path.endswith(".html"):
        return sum(1 for line in source.splitlines() if line.strip())
    if names is None:
        return _raw(source)[0]
    return sum(_raw(segment)[0] for segment in _segments(source, names, path).values())


def count() -> dict[str, dict[str, tuple[int, int]]]:
    """feature -> side -> (SLOC, files)."""
    table = {}
    for feature, sides in FEATURES.items():
        table[feature] = {
            side: (sum(_count(path, names) for path, names in parts), len({path for path, _ in parts}))
            for side, parts in sides.items()
        }
    return table


def main() -> None:
    table = count()
    print("| admin feature | SQLAdmin SLOC (files) | Django admin SLOC (files) |")
    print("| --- | --: | --: |")
    totals = {"sqladmin": 0, "django": 0}
    files: dict[str, set[str]] = {"sqladmin": set(), "django": set()}
    for feature, sides in table.items():
        for side, parts in FEATURES[feature].items():
            totals[side] += sides[side][0]
            files[side] |= {path for path, _ in parts}
        print(f"| {feature} | {sides['sqladmin'][0]} ({sides['sqladmin'][1]}) "
              f"| {sides['django'][0]} ({sides['django'][1]}) |")
    print(f"| **all** | **{totals['sqladmin']}** ({len(files['sqladmin'])}) "
          f"| **{totals['django']}** ({len(files['django'])}) |")
    print()
    print(WIRING_NOTE)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    print(f"Counted at commit {commit} by `python -m bench.admin_code`.")


if __name__ == "__main__":
    main()
