# Single entry point. `make demo` runs the product; `make test` runs the tests.
.PHONY: install demo test test-fast server worker migrate

DATA ?=
LABELS ?=
PORT ?= 8000

install:
	scripts/install.sh

demo: install
	.venv/bin/python -m demo $(if $(DATA),--data $(DATA)) $(if $(LABELS),--labels $(LABELS)) --port $(PORT)

test:
	scripts/test.sh

test-fast:
	scripts/test.sh -m "not slow"

migrate: install
	.venv/bin/python manage.py migrate_schemas --shared
	.venv/bin/python manage.py migrate_schemas --tenant

server: install
	.venv/bin/uvicorn config.asgi:application --host 127.0.0.1 --port $(PORT)

worker: install
	.venv/bin/python manage.py run_worker
