# The two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: install run test lint format bench messages clean

install: $(STAMP) $(MO_FILES) .env

# A development checkout runs in debug mode; production sets its environment instead.
.env:
	printf 'DJANGO_DEBUG=1\n' > .env

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

locale/%.mo: locale/%.po
	msgfmt --check -o $@ $<

run: install
	mkdir -p var
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(PY) -m helpdesk.launcher

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	mkdir -p var test-artifacts
	$(PY) -m pytest $(PYTEST_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Speed against the goals and peers of the issues; intake and console need PostgreSQL and Redis.
bench: install
	$(PY) benchmarks/bench_clock.py
	$(PY) benchmarks/bench_intake.py
	$(PY) benchmarks/bench_console.py

# Regenerate the catalogues after changing strings (needs GNU gettext).
messages: install
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -l ja -l en --no-obsolete --no-location
	# English msgids are the English text: the English catalogue repeats them.
	msgattrib --clear-fuzzy --empty -o locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	msgen -o locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	$(MAKE) $(MO_FILES)

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .ruff_cache
