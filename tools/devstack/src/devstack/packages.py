"""Whether a service's package is installed, checked before its server is started.

Shared by the benchmark harness and the test stacks, which start every service as a
process: a missing package must stop them with its name, not leave a stack (or a
report column) quietly without that service, which a reader takes for a result."""

from __future__ import annotations

import importlib.util
import sys


def require_module(module: str, needed_by: str) -> None:
    """Raise, naming the package, if ``module`` cannot be found in this environment
    (found, not imported: importing a service here would configure it in this process)."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        package = module.split(".", 1)[0]
        raise RuntimeError(
            f"{needed_by} needs {module}, and the {package} package cannot be imported from "
            f"{sys.prefix}: install the workspace (`make install`)"
        )
