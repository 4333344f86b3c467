"""The mapping behind "code per feature" (bench/src/bench/cost_features.toml) cannot rot:
every source file of the services and the kit is in it exactly once, nothing in it is
gone, each named part is a top-level definition of its file, and the one-change list still
points at the files that carry a post's fields. A failure here after adding a module
means: assign it a feature in the mapping."""

from __future__ import annotations

from radon.raw import analyze

from bench.cost import code


def test_every_source_file_is_assigned_and_every_listed_file_exists():
    mapping = code.load()
    missing, gone = code.unassigned(mapping)
    assert missing == [], f"add to bench/src/bench/cost_features.toml [files]: {missing}"
    assert gone == [], f"listed in bench/src/bench/cost_features.toml but gone: {gone}"
    assert set(mapping["files"].values()) <= set(mapping["features"])
    for path, parts in mapping.get("parts", {}).items():
        assert path in mapping["files"], path
        assert set(parts) <= set(mapping["features"]), path


def test_each_side_is_counted_once_and_adds_up_to_the_files():
    mapping = code.load()
    counted = code.count(mapping)  # raises if a [parts] name is not a top-level definition
    whole: dict[str, int] = {s: 0 for s in code.SIDES}
    for path in mapping["files"]:
        whole[code.side(path)] += analyze((code.ROOT / path).read_text()).sloc
    for side in code.SIDES:
        assert counted["totals"][side]["sloc"] == whole[side], side
        assert counted["totals"][side]["files"] == sum(
            1 for p in mapping["files"] if code.side(p) == side
        )
    # Both implementations have code for every feature, the admin too (SQLAdmin on the
    # FastAPI side since issue 30); the schema is the kit's alone.
    for key, feature in counted["features"].items():
        if key == "schema":
            continue
        assert feature["fastapi"]["sloc"] > 0 and feature["django"]["sloc"] > 0, key


def test_the_one_change_files_still_carry_a_posts_fields():
    mapping = code.load()
    change = code.change_files(mapping)
    for path in mapping["change"]["files"]:
        assert path in mapping["files"], path
        assert "title" in (code.ROOT / path).read_text(), path
    assert change["count"]["fastapi"] > 0 and change["count"]["django"] > 0


def test_the_side_follows_from_the_path():
    assert code.side("services/resources/src/resources_service/main.py") == "fastapi"
    assert code.side("libs/saaskit/src/saaskit/web/app.py") == "fastapi"
    assert code.side("services/admin/gunicorn.conf.py") == "django"
    assert code.side("libs/saaskit/src/saaskit/queue.py") == "kit"
    assert code.side("services/worker/src/worker/main.py") == "worker"


def test_the_contract_matching_code_is_django_code_of_the_mapping():
    mapping = code.load()
    contract = code.contract_code(mapping)
    assert contract["files"], "the [contract] table is empty"
    for entry in contract["files"]:
        assert entry["path"] in mapping["files"], entry["path"]
        assert code.side(entry["path"]) == "django" and entry["sloc"] > 0, entry["path"]
    assert contract["sloc"] < code.count(mapping)["totals"]["django"]["sloc"]
