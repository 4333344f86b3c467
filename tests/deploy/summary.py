"""``make chart``: the offline checks of the Helm chart in one short summary (strict lint,
render for each value set, kubernetes-validate --strict, checkov with the committed skips).
The tests in this folder assert the same and more; this prints what a person reads."""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

import helm_python

from tests.deploy import chart


def main() -> int:
    ok = True
    versions = chart.newest_kube_versions()
    with tempfile.TemporaryDirectory(prefix="chart-") as tmp:
        for name, render in chart.VARIANTS.items():
            rendered = render()
            lint = helm_python.lint(str(chart.CHART), chart.lint_values(name), strict=True,
                                    kube_version=f"v{versions[-1]}")
            lint_problems = lint["errors"] + [m["error"] for m in lint["messages"] if m["severity"] >= 2]
            kinds = Counter(d["kind"] for d in rendered.docs)
            print(f"{name}: {len(rendered.docs)} objects ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})")
            print(f"  lint --strict: {'ok' if not lint_problems else lint_problems}")
            for version in versions:
                errors, skipped = chart.validate(rendered, version)
                print(f"  kubernetes-validate --strict {version}: "
                      f"{len(rendered.docs) - len(skipped) - len(errors)} valid, {len(errors)} invalid, "
                      f"{len(skipped)} CRD objects without a schema")
                for error in errors:
                    print(f"    {error}")
                ok &= not errors
            report = chart.run_checkov(rendered, name, Path(tmp))
            failed = report["results"]["failed_checks"]
            print(f"  checkov: {report['summary']['passed']} passed, {len(failed)} failed, "
                  f"skipped by checkov-skips.yaml: {', '.join(e['id'] for e in chart.checkov_skips(name))}")
            for check in failed:
                print(f"    {check['check_id']} {check['resource']}")
            ok &= not failed and not lint_problems
    print("chart: all checks passed" if ok else "chart: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
