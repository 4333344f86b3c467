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
    low, high = stats.get("low", stats["min"]), stats.get("high", stats["max"])
    if low == high:
        return f"{stats['median']:.2f} s"
    return f"{stats['median']:.2f} s [{low:.2f}, {high:.2f}]"


def _value(stats: dict | None, unit: str) -> str:
    """A median with its interval, in the figure's unit."""
    if not stats:
        return "n/a"
    if unit == "bytes":
        scale, fmt, suffix = MIB, "{:.0f}", " MiB"
    elif unit == "ms":
        scale, fmt, suffix = 1, "{:.1f}", " ms"
    else:
        scale, fmt, suffix = 1, "{:.2f}", " s"
    m, low, high = (fmt.format(stats[k] / scale) for k in ("median", "low", "high"))
    return f"{m}{suffix} [{low}, {high}]"


def _fixed(value: float, unit: str) -> str:
    return f"{value / MB:.0f} MB" if unit == "bytes" else f"{value:.0f}"


def _signed(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / MIB:+.0f} MiB"
    return f"{value:+.2f} s" if unit == "s" else f"{value:+.1f} {unit}"


VERDICT = {"lower": "FastAPI lower", "higher": "FastAPI higher",
           "within the spread": "no difference (intervals overlap)"}
FIGURES = {
    "idle_pss": "idle memory (PSS)",
    "start_cpu": "CPU to start (user + system)",
    "cold_start": "cold start to ready",
    "cpu_per_request": "CPU per request, `GET /users/{id}`",
    "extra_pod": "extra pod's first request",
    "image_layers": "image: own layers on the base",
    "distributions": "image: Python distributions",
}


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


def code_lines(results: dict) -> list[str]:
    totals = results["code"]["totals"]
    contract = results["code"].get("contract", {"sloc": 0, "files": []})
    shared = totals["kit"]["sloc"] + totals["worker"]["sloc"]
    admin = results.get("admin_code", {})
    sql = sum(v["sqladmin"]["sloc"] for v in admin.values())
    dj = sum(v["django"]["sloc"] for v in admin.values())
    lines = [
        f"Code: FastAPI {totals['fastapi']['sloc']:,} SLOC in {totals['fastapi']['files']} files, "
        f"Django {totals['django']['sloc']:,} in {totals['django']['files']}; shared once by both: "
        f"the kit {totals['kit']['sloc']:,} and the worker {totals['worker']['sloc']:,} "
        f"({shared:,}), so owning the FastAPI stack is {totals['fastapi']['sloc'] + shared:,} SLOC "
        f"and the Django stack {totals['django']['sloc'] + shared:,}. Of Django's, "
        f"{contract['sloc']} SLOC in {len(contract['files'])} files exist only to answer the "
        "FastAPI-shaped contract (DRF's defaults would do otherwise)"
        + (f"; the admins, counted per admin feature: SQLAdmin {sql:,}, Django's {dj:,}" if admin else "")
        + ".",
    ]
    return lines


def change_lines(results: dict) -> list[str]:
    out = []
    for change in results.get("changes", {}).values():
        f, d = change["by_side"]["fastapi"], change["by_side"]["django"]
        k = change["by_side"]["kit"]
        out.append(
            f"{change['title']}: FastAPI {f['files']} files +{f['added']}/-{f['removed']} lines, "
            f"Django {d['files']} files +{d['added']}/-{d['removed']}"
            + (f", the shared kit {k['files']} files +{k['added']}/-{k['removed']}"
               if k["files"] else "")
            + ".")
    return out


def headline(results: dict) -> list[str]:
    """The few figures the benchmark report and the README quote."""
    lines = []
    comparison = results.get("comparison")
    if comparison:
        service, stack = comparison["service"], comparison["stack"]
        pair = comparison["pair"]
        parts = []
        for figure in ("idle_pss", "start_cpu", "cold_start", "cpu_per_request"):
            if figure in service:
                c = service[figure]
                parts.append(f"{FIGURES[figure]} {_value(c[pair[0]], c['unit'])} vs "
                             f"{_value(c[pair[1]], c['unit'])}: {VERDICT[c['fastapi_is']]}")
        lines.append(
            f"Framework, one service against the Django service serving the same routes "
            f"({pair[0]} vs {pair[1]}, 1 process each): " + "; ".join(parts) + "; own image "
            f"layers {service['image_layers'][pair[0]] / MB:.0f} MB vs "
            f"{service['image_layers'][pair[1]] / MB:.0f} MB.")
        parts = []
        for figure in ("idle_pss", "start_cpu"):
            if figure in stack:
                c = stack[figure]
                parts.append(
                    f"{FIGURES[figure]} {_value(c['FastAPI'], c['unit'])} vs "
                    f"{_value(c['Django'], c['unit'])}: {VERDICT[c['fastapi_is']]}; of the "
                    f"medians' difference {_signed(c['framework'], c['unit'])} is the framework "
                    f"and {_signed(c['architecture'], c['unit'])} the two extra services")
        layers = stack["image_layers"]
        parts.append(f"own image layers {layers['FastAPI'] / MB:.0f} MB vs "
                     f"{layers['Django'] / MB:.0f} MB ({layers['framework'] / MB:+.0f} MB "
                     f"framework, {layers['architecture'] / MB:+.0f} MB architecture)")
        lines.append(
            "Architecture, whole stacks (FastAPI: auth + resources + files; Django: admin; "
            "the shared worker in neither): " + "; ".join(parts) + ".")
    lines += code_lines(results)
    lines += change_lines(results)
    one = results.get("startup", {}).get("by_processes", {}).get("1", {})
    if one:
        load = results["startup"]["load_average_1m"]
        lines.append(
            f"Intervals: median [order-statistic interval, >= 90 % for the median] of "
            f"{results['settings']['repeats']} interleaved runs; a difference is called only when "
            f"the intervals do not overlap. Load average {load['start']:.1f} to {load['end']:.1f} "
            f"on {results['machine']['logical_cores']} cores.")
    return lines


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
    shared = {k: code["totals"]["kit"][k] + code["totals"]["worker"][k] for k in ("sloc", "files")}
    out += [
        "### Each stack's code, the shared code once",
        "",
        "Both stacks run the same kit and the same worker: counted once, and added once to each "
        "stack (three FastAPI services install the kit, but it is one code base to own).",
        "",
        "| feature | FastAPI + shared | Django + shared | shared (kit + worker) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for feature in code["features"].values():
        common = feature["kit"]["sloc"] + feature["worker"]["sloc"]
        out.append(f"| {feature['name']} | {feature['fastapi']['sloc'] + common} | "
                   f"{feature['django']['sloc'] + common} | {common} |")
    out.append(f"| **to own** | **{code['totals']['fastapi']['sloc'] + shared['sloc']:,}** | "
               f"**{code['totals']['django']['sloc'] + shared['sloc']:,}** | "
               f"**{shared['sloc']:,}** |")
    out.append("")
    contract = code.get("contract")
    if contract:
        out += [
            "### Django code written to match a FastAPI-shaped contract",
            "",
            f"{contract['sloc']} of Django's {code['totals']['django']['sloc']:,} SLOC "
            f"({contract['sloc'] / code['totals']['django']['sloc']:.0%}) are in files that exist "
            "because the twin answers exactly as the FastAPI services do (listed in the mapping's "
            "`[contract]`). A Django-first API would get the rest of these behaviours from DRF's "
            "defaults or a setting, and answer differently: so Django without them is "
            f"{code['totals']['django']['sloc'] - contract['sloc']:,} SLOC, for a different contract.",
            "",
            "| file | SLOC | why it exists |",
            "| --- | ---: | --- |",
        ]
        out += [f"| `{f['path'].removeprefix('services/admin/src/')}` | {f['sloc']} | {f['reason']} |"
                for f in contract["files"]]
        out.append("")
    out += _batteries()
    admin = results.get("admin_code")
    if admin:
        out += [
            "### The two admins, per admin feature",
            "",
            "From `python -m bench.admin_code` (same counter; a Django template or an SQLAdmin one "
            "counts its non-blank lines). The FastAPI side's admin is SQLAdmin, mounted at "
            "`/sqladmin` in the resources service; its staff table and login are rows of their "
            "own, since Django's come with Django.",
            "",
            "| admin feature | SQLAdmin SLOC (files) | Django admin SLOC (files) |",
            "| --- | ---: | ---: |",
        ]
        for feature, sides in admin.items():
            out.append(f"| {feature} | {sides['sqladmin']['sloc']} ({sides['sqladmin']['files']}) | "
                       f"{sides['django']['sloc']} ({sides['django']['files']}) |")
        out.append(f"| **all** | **{sum(v['sqladmin']['sloc'] for v in admin.values())}** | "
                   f"**{sum(v['django']['sloc'] for v in admin.values())}** |")
        out.append("")
    out += _changes(results)
    return out


BATTERIES = [
    ("`django.contrib.auth` for the API's users (its `User` model, password hashers, "
     "`PasswordResetTokenGenerator`, login views)",
     "the `users` table is the kit's (Alembic), the model unmanaged; passwords are the kit's "
     "argon2 hashes and account tokens the kit's, shared with the FastAPI auth service. "
     "The Django admin's staff do use it (`auth_user`, sessions, CSRF).",
     "less code in `accounts` (hashing, tokens and the verify/reset flows come with Django), "
     "but a `users` table and hash format of Django's: the FastAPI auth service could no longer "
     "read the same accounts."),
    ("Django migrations",
     "every API model is `managed = False` and `MIGRATION_MODULES` switches them off; the kit's "
     "Alembic revisions own the schema for both stacks.",
     "`makemigrations` would write the revisions (the kit's `schema` feature) for Django alone; "
     "the FastAPI side would need its own or depend on Django's."),
    ("DRF generic views, `ModelViewSet`, routers and `ModelSerializer`",
     "`APIView`s with explicit input and output serializers and hand-written "
     "selectors/services (one module each per app).",
     "a resource's CRUD in a dozen lines, but DRF's contract: 400 (not 422) with "
     "`{field: [messages]}`, `PUT` beside `PATCH`, trailing-slash URLs, DRF's pagination, and "
     "an OpenAPI document with other names; the contract tests would fail."),
    ("DRF's pagination, throttling, authentication and exception classes",
     "replaced by the `[contract]` files above (keyset cursor, the kit's limiter, JWT bearer, "
     "problem+json).",
     "up to the table's SLOC less code, and the answers DRF gives (its cursor format, its 429 "
     "and 401 bodies)."),
    ("`django-filter`",
     "not installed; `?author_id=`, `?q=` and friends are validated by a query serializer.",
     "a `FilterSet` per list; bad filter values become DRF's 400s."),
    ("forms, templates, sessions and messages for the API",
     "not used by the API (JSON in, JSON out, bearer tokens); only the Django admin uses them.",
     "nothing for a JSON API; they matter for server-rendered pages, which neither stack has."),
    ("signals (`post_save` and friends)",
     "none: every side effect (queueing a job, revoking tokens) is a call in a service function, "
     "as on the FastAPI side.",
     "fewer explicit calls, control flow hidden in receivers, and the admin's writes would "
     "trigger them too."),
    ("`django.core.mail` and the cache framework",
     "mail is sent by the shared arq worker; Redis is used through the kit (limiter, queue).",
     "a Django-only mail path; the worker is shared, so both stacks would need one."),
]


def _batteries() -> list[str]:
    out = [
        "### Django batteries the twin does not use",
        "",
        "The twin follows a FastAPI-shaped contract and shares its database and tokens with the "
        "FastAPI services, so several of Django's batteries are left out; what using each would "
        "change is an estimate, not measured here.",
        "",
        "| battery | what the twin does instead | using it would change |",
        "| --- | --- | --- |",
    ]
    out += [f"| {a} | {b} | {c} |" for a, b, c in BATTERIES]
    out.append("")
    return out


def _changes(results: dict) -> list[str]:
    changes = results.get("changes")
    if not changes:
        return []
    out = [
        "## Change cost: three first-month changes, made for real",
        "",
        "Each change was made on both stacks on a temporary branch, tested on both (the tests "
        "are named with each change), committed, saved as a patch under `changes/` and the "
        "branch dropped; the "
        "counts below are read from the patch by `bench.cost.changes` (lines are the diff's: "
        "added/removed, blank lines included; files new in brackets). Tests written for the "
        "change are a row of their own.",
        "",
    ]
    for change in changes.values():
        out += [f"### {change['title']}", "", change["description"], "",
                f"Patch: `changes/{change['patch']}`, made on commit {change['base']} (as commit "
                f"{change['commit']} of the dropped branch).", "",
                "| side | files (new) | lines added | removed | added, not blank |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for side, c in change["by_side"].items():
            if c["files"]:
                out.append(f"| {SIDE_NAMES.get(side, side)} | {c['files']} ({c['new_files']}) | "
                           f"{c['added']} | {c['removed']} | {c['added_nonblank']} |")
        out += ["", "Files: " + "; ".join(
            f"`{f['path']}`{' (new)' if f['new'] else ''} +{f['added']}/-{f['removed']}"
            for f in change["files"]) + ".", ""]
        if change.get("notes"):
            out += [change["notes"], ""]
    return out


def _comparison(results: dict) -> list[str]:
    comparison = results.get("comparison")
    if not comparison:
        return []
    pair = comparison["pair"]
    service, stack = comparison["service"], comparison["stack"]
    out = [
        "## What the framework costs, what the architecture costs",
        "",
        f"The FastAPI implementation is three serving services, the Django twin one. So the "
        f"framework is compared service against service: `{pair[0]}` (FastAPI) against `{pair[1]}` "
        "(Django), which serves the same routes (both warm up on `GET /users/{id}`); `admin` also "
        "carries the auth, files, jobs and admin code, so its figures bound Django's cost for "
        "those routes from above. The architecture is what the FastAPI stack adds by running auth "
        "and files as services of their own. `WEB_CONCURRENCY=1` per container (uvicorn: one "
        "process; gunicorn: its master and one worker, both in Django's figures); the worker, "
        "shared, is left out. Figures are median [interval]; the verdict comes from "
        "`bench.cost.intervals.verdict`: a difference only when the intervals do not overlap.",
        "",
        f"### Per serving service: {pair[0]} vs {pair[1]}",
        "",
        f"| figure | {pair[0]} (FastAPI) | {pair[1]} (Django) | verdict |",
        "| --- | ---: | ---: | --- |",
    ]
    for figure, c in service.items():
        if "fastapi_is" in c:
            out.append(f"| {FIGURES[figure]} | {_value(c[pair[0]], c['unit'])} | "
                       f"{_value(c[pair[1]], c['unit'])} | {VERDICT[c['fastapi_is']]} |")
        else:
            out.append(f"| {FIGURES[figure]} | {_fixed(c[pair[0]], c['unit'])} | "
                       f"{_fixed(c[pair[1]], c['unit'])} | one build each, no spread |")
    out += [
        "",
        "### Per stack, and the difference split",
        "",
        "A stack's sum is taken per round (round *i* of every service ran under the same load) "
        "and its interval over the rounds. The split is of the medians: framework = "
        f"{pair[0]} - {pair[1]}, architecture = the sum of the extra services' medians "
        f"({' + '.join(comparison['extra_services'])}); for image layers it is exact.",
        "",
        "| figure | FastAPI stack | Django stack | verdict | framework part | architecture part |",
        "| --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for figure, c in stack.items():
        if "fastapi_is" in c:
            out.append(f"| {FIGURES[figure]} | {_value(c['FastAPI'], c['unit'])} | "
                       f"{_value(c['Django'], c['unit'])} | {VERDICT[c['fastapi_is']]} | "
                       f"{_signed(c['framework'], c['unit'])} | "
                       f"{_signed(c['architecture'], c['unit'])} |")
        else:
            out.append(f"| {FIGURES[figure]} | {c['FastAPI'] / MB:.0f} MB | {c['Django'] / MB:.0f} MB"
                       f" | one build each | {c['framework'] / MB:+.0f} MB | "
                       f"{c['architecture'] / MB:+.0f} MB |")
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
        f"Median of {results['settings']['repeats']} interleaved runs, its interval in brackets "
        "(the order-statistic interval for the median, at least 90 % coverage; with 5 to 8 runs "
        "that is the min-max range; `bench.cost.intervals`), each image run "
        "with podman as the chart runs it (host network, read-only root, `/tmp` the only "
        "writable place, no capabilities), against a PostgreSQL and a Redis on 127.0.0.1, "
        "schema applied by the admin image's migration command. The process count is "
        "`WEB_CONCURRENCY` (uvicorn workers, gunicorn workers beside their master; the worker "
        "is always one process).",
        "",
        "- **cold start**: from invoking `podman run` to the first 200 from `/readyz` (the "
        "worker: `/metrics`), polled every 20 ms; *in the container* is the same minus the "
        "container's `StartedAt`, i.e. without the runtime creating the container.",
        "- **idle memory**: after 60 real requests and 2 s, the RSS of each process of the "
        "container (*main*: the one the container starts; *worker*: a server process it "
        "started; *tracker*: the `multiprocessing` resource tracker of uvicorn's spawned "
        "workers) and the sum of their PSS, which counts pages shared by forked processes "
        "once: PSS well below the RSS sum means the workers share memory with their main "
        "process. The command of each process is in `results.json`.",
        "- **extra pod**: while that container serves, one more of the same service is "
        "started; from `podman run` to its first 200 on a real authenticated request "
        "(`GET /auth/me`, `GET /users/{id}`, `GET /files`), which is what a scale-up waits "
        "for. The worker serves no requests (KEDA scales it on queue depth): n/a.",
        "- **CPU**: user + system seconds of every process of the container (psutil, from the "
        "host): *to start* when the cold start ends; *per request* the CPU 50 real requests "
        "took after 10 of warm-up, over 50 (resources and admin both serve `GET /users/{id}`, "
        "the same route).",
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
            "| CPU to start | CPU per request | processes | idle RSS per process | idle PSS, all |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for service, m in by_service.items():
            rss = _rss(m)
            out.append(
                f"| {service} | {STACK[service]} | {_seconds(m['cold_start_s'])} | "
                f"{_seconds(m['cold_start_in_container_s'])} | "
                f"{_seconds(m['extra_pod_first_request_s'])} | "
                f"{_value(m.get('start_cpu_s'), 's')} | {_value(m.get('cpu_per_request_ms'), 'ms')} | "
                f"{m['processes']} | {rss} | "
                + (_value(m["idle_pss"], "bytes") if m.get("idle_pss")
                   else f"{m['idle_pss_total_bytes'] / MIB:.0f} MiB") + " |"
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
        *_comparison(results),
        *_code(results),
    ]
    if results.get("images"):
        out += _images(results)
    if results.get("startup"):
        out += _startup(results)
    out += [
        "## How it was made",
        "",
        f"`{results['command']}` at {results['generated_at']} (commit "
        f"{results.get('commit', results['git'])}"
        + (f" of {results['commit_date']}" if results.get("commit_date") else "")
        + (f", with {results['uncommitted_sources']} uncommitted source files in the working "
           "tree" if results.get("uncommitted_sources") else "")
        + "), "
        f"{results['machine']['cpu_model']}, {results['machine']['logical_cores']} cores, "
        f"{results['machine']['ram_gib']} GiB; podman {results['podman']}. "
        + ("`make cost` builds the images (`make images`) from that same working tree right "
           "before it measures them; their build times are in the image table. "
           if results.get("images") else "")
        + "Raw numbers, every run and the files behind every cell: `results.json`.",
        "",
    ]
    return "\n".join(out)


def write(results: dict, out_dir: Path) -> Path:
    path = out_dir / "report.md"
    path.write_text(render(results))
    return path
