# The two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: install run test lint format bench bench-peers messages clean

# A checkout is production-safe by default: debug mode is on only where a target says so
# (`make run`, `make messages`, the test settings), never in a file left behind.
install: $(STAMP) $(MO_FILES)
	@if [ "$$(cat .env 2>/dev/null)" = "DJANGO_DEBUG=1" ]; then rm .env; \
	  echo "Removed the .env an earlier make install wrote: debug mode is now explicit."; fi

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

locale/%.mo: locale/%.po
	msgfmt --check -o $@ $<

# Development mode, explicitly. Ctrl-C stops every process; the launcher says so in one line,
# and the shell's trap keeps make from adding "Interrupt" or "Error 130" after it.
run: install
	mkdir -p var
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	@trap 'true' INT; DJANGO_DEBUG=1 $(PY) -m helpdesk.launcher

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	mkdir -p var test-artifacts
	$(PY) -m pytest $(PYTEST_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Speed against the goals and peers of the issues; intake, backup and console need PostgreSQL
# (and Redis).
bench: install bench-peers
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	DJANGO_DEBUG=1 $(PY) benchmarks/bench_clock.py
	DJANGO_DEBUG=1 $(PY) benchmarks/bench_intake.py
	DJANGO_DEBUG=1 $(PY) benchmarks/bench_backup.py
	DJANGO_DEBUG=1 $(PY) benchmarks/bench_console.py

# The intake benchmark's peer, django-helpdesk, in a virtual environment of its own: its
# package is also named `helpdesk`. bench_intake.py runs it after ours when it is there.
PEER_VENV := var/peer-django-helpdesk
bench-peers: $(PEER_VENV)/.installed-stamp
$(PEER_VENV)/.installed-stamp: benchmarks/peer-requirements.txt
	@test -x $(PEER_VENV)/bin/python || $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install --quiet -r benchmarks/peer-requirements.txt
	@touch $@

# Regenerate the catalogues after changing strings (needs GNU gettext).
messages: install
	# var/ holds the benchmark peer's virtual environment (django-helpdesk): not our strings.
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -l ja -l en --no-obsolete --no-location --ignore 'var/*'
	# English msgids are the English text: the English catalogue repeats them.
	msgattrib --clear-fuzzy --empty -o locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	msgen -o locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	$(MAKE) $(MO_FILES)

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .ruff_cache
