# Collecte — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export COLLECTE_DATA_DIR ?= $(CURDIR)/instance

.PHONY: run test install translations lint migrations-check ci clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d collecte/translations -D messages -f >/dev/null 2>&1 || \
	  $(BIN)/pybabel compile -d collecte/translations -D messages

# Embedded default: SQLite, the embedded Valkey broker, gunicorn, a Celery worker and beat, all
# under honcho (Procfile): Ctrl-C stops them all, and so does any one of them dying.
run: install
	$(BIN)/flask --app collecte db upgrade
	$(BIN)/flask --app collecte seed-demo
	@echo "Collecte on http://127.0.0.1:5000 (Ctrl-C stops the web server, the worker, beat and the broker)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile --app-root $(CURDIR) start

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

migrations-check: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_migrations.py

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) instance .pytest_cache
