# Collecte — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export COLLECTE_DATA_DIR ?= $(CURDIR)/instance

.PHONY: run test install translations lint migrations-check ci clean serve worker

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d collecte/translations -D messages -f >/dev/null 2>&1 || \
	  $(BIN)/pybabel compile -d collecte/translations -D messages

# Embedded default: SQLite + a real Celery worker on kombu's filesystem broker. Ctrl-C stops both.
run: install
	$(BIN)/flask --app collecte db upgrade
	$(BIN)/flask --app collecte seed-demo
	@echo "Collecte on http://127.0.0.1:5000 (Ctrl-C stops the web server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/celery -A workers.app worker --beat --loglevel=warning --concurrency=1 \
	    --schedule=$(COLLECTE_DATA_DIR)/celerybeat-schedule & \
	  $(BIN)/flask --app collecte run --host 127.0.0.1 --port 5000 --no-reload; \
	  wait

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
