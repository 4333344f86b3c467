"""``report.md`` of the cost-to-own measurement, from ``results.json`` alone, so the
report can be rewritten from the data without measuring again."""

from __future__ import annotations

from pathlib import Path

from bench.cost.code import SIDE_NAMES, SIDES

STACK = {"auth": "FastAPI", "resources": "FastAPI", "files": "FastAPI", "admin": "Django",
         "worker": "shared"}
MB = 1e6
MIB = 1024 * 1024


def _seconds(stats: dict | None) -> str:
    if not stats:
        return "n/a"
    if stats["min"] == stats["max"]:
        return f"{stats['median']:.2f} s"
    return f"{stats['median']:.2f} s ({stats['min']:.2f}-{stats['max']:.2f})"


def per_stack(results: dict) -> dict | None:
    """Service layers and idle PSS summed per stack (1 process each), when every service
    of both stacks was measured; None otherwise."""
    one = results.get("startup", {}).get("by_processes", {}).get("1", {})
    wanted = [s for s, stack in STACK.items() if stack != "shared"]
    if not all(s in one and s in results.get("images", {}) for s in wanted):
        return None
    out = {}
    for stack in ("FastAPI", "Django"):
        mine = [s for s in wanted if STACK[s] == stack]
        out[stack] = {
            "images": len(mine),
            "layers": sum(results["images"][s]["service_layers_bytes"] for s in mine),
            "pss": sum(one[s]["idle_pss_total_bytes"] for s in mine),
        }
    return out


def _role(command: str, first: bool, processes: int) -> str:
    if processes == 1:
        return ""
    if "resource_tracker" in command:
        return " tracker"
    return " main" if first else " worker"


def _rss(m: dict) -> str:
    commands = m.get("process_commands", [])
    return " + ".join(
        f"{v / MIB:.0f}"
        + (_role(commands[i], i == 0, m["processes"]) if i < len(commands) else "")
        for i, v in enumerate(m["idle_rss_bytes"])
    ) + " MiB"


def headline(results: dict) -> list[str]:
    """The few figures the benchmark report and the README quote."""
    totals = results["code"]["totals"]
    admin = results["code"]["features"]["admin"]["django"]["sloc"]
    change = results["code"]["change"]["count"]
    lines = [
        f"Code: FastAPI {totals['fastapi']['sloc']:,} SLOC in {totals['fastapi']['files']} files, "
        f"Django {totals['django']['sloc']:,} in {totals['django']['files']} "
        f"({totals['django']['sloc'] - admin:,} without the {admin}-line admin, which FastAPI "
        f"does not have); both share a kit of {totals['kit']['sloc']:,} and a worker of "
        f"{totals['worker']['sloc']:,}. Adding a field to `Post` edits {change['fastapi']} "
        f"files on the FastAPI side, {change['django']} on the Django side, "
        f"and {change['kit']} in the shared kit ({len(results['code']['change']['new'])} of "
        "them new: the migration).",
    ]
    images = results.get("images", {})
    if images:
        parts = [f"{s} {i['size_bytes'] / MB:.0f} MB (+{i['service_layers_bytes'] / MB:.0f} MB "
                 f"on the base, {i['distributions']['total']} distributions)"
                 for s, i in images.items()]
        lines.append("Images: " + "; ".join(parts) + ".")
    stacks = per_stack(results)
    if stacks:
        f, d = stacks["FastAPI"], stacks["Django"]
        lines.append(
            f"Per stack, one process per service: FastAPI ships {f['images']} images whose own "
            f"layers add up to {f['layers'] / MB:.0f} MB and idle at {f['pss'] / MIB:.0f} MiB "
            f"together; Django ships {d['images']} of {d['layers'] / MB:.0f} MB idling at "
            f"{d['pss'] / MIB:.0f} MiB (the worker, shared, is in neither)."
        )
    one = results.get("startup", {}).get("by_processes", {}).get("1", {})
    if one:
        parts = []
        for s, m in one.items():
            extra = m["extra_pod_first_request_s"]
            parts.append(
                f"{s} {m['cold_start_s']['median']:.1f} s to ready, "
                + (f"{extra['median']:.1f} s for an extra pod's first request, " if extra else "")
                + f"{m['idle_pss_total_bytes'] / MIB:.0f} MiB idle"
            )
        load = results["startup"]["load_average_1m"]
        lines.append(
            "Start-up, 1 process per container (medians of "
            f"{results['settings']['repeats']}; load average {load['start']:.1f} to "
            f"{load['end']:.1f} on {results['machine']['logical_cores']} cores): "
            + "; ".join(parts) + "."
        )
    return lines


def _code(results: dict) -> list[str]:
    code = results["code"]
    head = "| feature | " + " | ".join(SIDE_NAMES[s] for s in SIDES) + " |"
    out = [
        "## Code per feature",
        "",
        f"Counted by {code['counter']}. Every `.py` file of `services/` and `libs/saaskit/src` is "
        "assigned to exactly one feature in the committed mapping "
        "`bench/src/bench/cost_features.toml`, whose `[parts]` move named top-level definitions "
        "where one module serves two features (the overview sits beside users on both sides). "
        "The side follows from the path: FastAPI is `services/auth`, `services/resources`, "
        "`services/files` and the kit's FastAPI-only package `saaskit.web`; Django is "
        "`services/admin`; the rest of the kit and the arq worker serve both.",
        "",
        head,
        "| --- | " + " | ".join("---:" for _ in SIDES) + " |",
    ]
    for feature in code["features"].values():
        out.append(f"| {feature['name']} | "
                   + " | ".join(str(feature[s]["sloc"]) for s in SIDES) + " |")
    out.append("| **total SLOC** | "
               + " | ".join(f"**{code['totals'][s]['sloc']:,}**" for s in SIDES) + " |")
    out.append("| files | " + " | ".join(str(code["totals"][s]["files"]) for s in SIDES) + " |")
    out.append("| comment and docstring lines | "
               + " | ".join(str(code["totals"][s]["comments"]) for s in SIDES) + " |")
    if code.get("unmapped"):
        out += ["", f"Not counted: {len(code['unmapped'])} source files not in the mapping yet "
                "(" + ", ".join(f"`{p}`" for p in code["unmapped"]) + ")."]
    out += ["", f"![code per feature]({results['charts']['code_per_feature']})", ""]
    change = code["change"]
    out += [
        "### Files one endpoint change touches",
        "",
        f"The change: {change['description']}. The files are the ones the existing `title` "
        "field of a post is written into on each side (listed with reasons in the mapping's "
        "`[change]`; a test checks each still mentions `title`).",
        "",
        "| side | files edited | what changes |",
        "| --- | ---: | --- |",
    ]
    for s in SIDES:
        edited = change["edited"][s]
        what = [f"`{e['path']}`: {e['reason']}" for e in edited]
        if s in change["new"]:
            what.append(f"new: {change['new'][s]}")
        if what:
            out.append(f"| {SIDE_NAMES[s]} | {change['count'][s]} | " + "<br>".join(what) + " |")
    out.append("")
    return out


def _images(results: dict) -> list[str]:
    out = [
        "## Dependencies and image size",
        "",
        "Sizes from `podman image inspect` of the images `make images` built. The base here is "
        "the local stand-in for `python:3.11-slim` (a debootstrapped Debian with Python and pip, "
        "see docs/deploy.md), larger than the official slim image, so the service's own layers "
        "on top of it (its virtualenv and sources) are the figure that carries over. "
        "Distributions are listed by the image's own Python (`importlib.metadata`); direct = "
        "asked for by the service's or the kit's `pyproject.toml`, the rest transitive, the "
        "project's own packages in neither.",
        "",
        "| image | stack | size | on the base | distributions | direct | transitive | built |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for service, i in results["images"].items():
        d = i["distributions"]
        out.append(f"| `{i['image']}` | {STACK[service]} | {i['size_bytes'] / MB:.0f} MB | "
                   f"{i['service_layers_bytes'] / MB:.0f} MB | {d['total']} | {d['direct']} | "
                   f"{d['transitive']} | {i['created']} |")
    base = next(iter(results["images"].values()))["base_bytes"]
    out += ["", f"The base: {base / MB:.0f} MB. Direct distributions per image:", ""]
    for service, i in results["images"].items():
        out.append(f"- {service}: " + ", ".join(i["distributions"]["direct_names"]))
    out.append("")
    return out


def _startup(results: dict) -> list[str]:
    startup = results["startup"]
    load = startup["load_average_1m"]
    out = [
        "## Cold start, idle memory, an extra pod",
        "",
        f"Median of {results['settings']['repeats']} runs (min-max in brackets), each image run "
        "with podman as the chart runs it (host network, read-only root, `/tmp` the only "
        "writable place, no capabilities), against a PostgreSQL and a Redis on 127.0.0.1, "
        "schema applied by the admin image's migration command. The process count is "
        "`WEB_CONCURRENCY` (uvicorn workers, gunicorn workers beside their master; the worker "
        "is always one process).",
        "",
        "- **cold start**: from invoking `podman run` to the first 200 from `/readyz` (the "
        "worker: `/metrics`), polled every 20 ms; *in the container* is the same minus the "
        "container's `StartedAt`, i.e. without the runtime creating the container.",
        "- **idle memory**: after 20 real requests and 2 s, the RSS of each process of the "
        "container (*main*: the one the container starts; *worker*: a server process it "
        "started; *tracker*: the `multiprocessing` resource tracker of uvicorn's spawned "
        "workers) and the sum of their PSS, which counts pages shared by forked processes "
        "once: PSS well below the RSS sum means the workers share memory with their main "
        "process. The command of each process is in `results.json`.",
        "- **extra pod**: while that container serves, one more of the same service is "
        "started; from `podman run` to its first 200 on a real authenticated request "
        "(`GET /auth/me`, `GET /users/{id}`, `GET /files`), which is what a scale-up waits "
        "for. The worker serves no requests (KEDA scales it on queue depth): n/a.",
        "",
        f"Load while measuring: 1-minute load average {load['start']:.2f} at the start, "
        f"{load['end']:.2f} at the end, on {results['machine']['logical_cores']} cores. Start-up "
        "is CPU-bound (imports, bytecode loading): on a loaded machine these times stretch, "
        "so compare the rows with each other, not with another machine's.",
        "",
    ]
    for count, by_service in startup["by_processes"].items():
        out += [
            f"### {count} process{'es' if count != '1' else ''} per container "
            f"(`WEB_CONCURRENCY={count}`)",
            "",
            "| service | stack | cold start | in the container | extra pod, first request "
            "| processes | idle RSS per process | idle PSS, all |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for service, m in by_service.items():
            rss = _rss(m)
            out.append(
                f"| {service} | {STACK[service]} | {_seconds(m['cold_start_s'])} | "
                f"{_seconds(m['cold_start_in_container_s'])} | "
                f"{_seconds(m['extra_pod_first_request_s'])} | {m['processes']} | {rss} | "
                f"{m['idle_pss_total_bytes'] / MIB:.0f} MiB |"
            )
        out.append("")
    return out


def render(results: dict) -> str:
    out = [
        "# Cost to own: FastAPI vs Django REST Framework",
        "",
        "What each implementation costs to write and to run, measured from this repository; "
        "the load comparison is the other half (docs/benchmark/README.md).",
        "",
        "## In short",
        "",
        *[f"- {line}" for line in headline(results)],
        "",
        *_code(results),
    ]
    if results.get("images"):
        out += _images(results)
    if results.get("startup"):
        out += _startup(results)
    out += [
        "## How it was made",
        "",
        f"`{results['command']}` at {results['generated_at']} (git {results['git']}"
        + (f", with {results['uncommitted_sources']} uncommitted source files in the working "
           "tree" if results.get("uncommitted_sources") else "")
        + "), "
        f"{results['machine']['cpu_model']}, {results['machine']['logical_cores']} cores, "
        f"{results['machine']['ram_gib']} GiB; podman {results['podman']}. Raw numbers, every "
        "run and the files behind every cell: `results.json`.",
        "",
    ]
    return "\n".join(out)


def write(results: dict, out_dir: Path) -> Path:
    path = out_dir / "report.md"
    path.write_text(render(results))
    return path
