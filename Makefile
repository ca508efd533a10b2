# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install migrate demo lint format migrations-check messages bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=true $(BIN)/python manage.py load_demo

# Embedded mode: SQLite file, tasks run eagerly, e-mail printed on this console.
run: demo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest --ds=portal.settings_test $(PYTEST_ARGS)

# ruff, and the layer contract (pyproject.toml [tool.importlinter]): every app imports only the apps below it.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# Collect new strings into locale/zh_Hans and compile; translate the new entries in the .po file.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=test-artifacts --no-obsolete
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

# The guides' screens (/help/), taken from the real pages by the browser tests; commit the PNGs they write.
screenshots: install
	GUIDE_SCREENS=static/help/screens $(BIN)/python -m pytest --ds=portal.settings_test tests/public/test_help_browser.py -p no:cacheprovider

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .test-media staticfiles
