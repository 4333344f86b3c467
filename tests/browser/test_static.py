"""The image build collects the Django service's static files (``collectstatic``): the
docs page's Swagger UI and the admin's favicon are among them, so a collected image
serves /docs and the admin without the apps' source folders."""

from __future__ import annotations

import os
import subprocess

from tests.contract.stacks import BIN, ROOT


def test_collectstatic_gathers_the_docs_and_admin_assets(tmp_path):
    root = tmp_path / "static"
    subprocess.run(
        [str(BIN / "python"), "-m", "admin_service.manage", "collectstatic", "--noinput"],
        env={**os.environ, "APP_STATIC_ROOT": str(root)}, cwd=ROOT, check=True,
        capture_output=True, timeout=120,
    )
    for asset in (
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
        "admin_service/favicon.svg",
        "admin/css/base.css",
    ):
        assert (root / asset).stat().st_size > 0, asset
