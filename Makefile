# Chancery: `make run` starts everything on the embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint messages compilemessages bench vendor clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

compilemessages: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d locale -D django --statistics 2>&1 | tail -n 1

run: export DEBUG := 1
# The demo talks to the local network sandbox, never to the real Facebook or X.
run: export SANDBOX_URL := http://127.0.0.1:8001
run: export FACEBOOK_GRAPH_URL := http://127.0.0.1:8001/
run: export X_API_URL := http://127.0.0.1:8001
run: export FACEBOOK_APP_ID := 100200300
run: export FACEBOOK_APP_SECRET := demo-app-secret
run: export X_CLIENT_ID := chancery-demo
run: $(VENV)/.installed compilemessages
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py run_stack

test: $(VENV)/.installed compilemessages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# Re-extract the UI strings (needs GNU gettext, a developer tool only).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=var

bench: $(VENV)/.installed compilemessages
	$(PY) bench/portal.py

# Front-end libraries: pinned in package.json and package-lock.json, installed from the npm registry and copied into
# our own static files (a developer step; the copies are committed, so `make run` needs no Node.js).
CHART_JS := publishing/static/publishing/vendor/chart.js
vendor:
	npm ci --no-audit --no-fund
	mkdir -p $(CHART_JS)
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map \
	  node_modules/chart.js/LICENSE.md $(CHART_JS)/

clean:
	rm -rf var
