# Two commands on a fresh machine: `make run` and `make test`. Each does its own setup.
PY      ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
export QT_QPA_PLATFORM_PLUGIN_PATH :=

.PHONY: run demo test pytest lint bench setup system system-test clean screenshot screenshots screenshots-lang deb deb-test deb-lint deb-rootfs translations

run: setup
	$(VENV)/bin/station

demo: setup
	$(VENV)/bin/station demo

test: system-test setup
	$(VPY) -m ruff check station tests benchmarks
	$(VPY) -m mypy
	$(VENV)/bin/lint-imports
	@$(MAKE) --no-print-directory pytest

# The VM rig's tests mostly wait on an emulated machine: they run beside the rest, and both must pass.
# With PYTEST_ARGS (a file, -k ...) one plain pytest runs instead.
VMLOG := .vm-tests.log
pytest:
ifeq ($(strip $(PYTEST_ARGS)),)
	@QT_QPA_PLATFORM=offscreen $(VPY) -m pytest -p tests.no_skip tests/vm > $(VMLOG) 2>&1 & vm=$$!; \
	QT_QPA_PLATFORM=offscreen $(VPY) -m pytest -p tests.no_skip --ignore=tests/vm; rest=$$?; \
	wait $$vm; vmrc=$$?; echo "--- tests/vm (ran beside the others) ---"; cat $(VMLOG); \
	test $$rest -eq 0 && test $$vmrc -eq 0
else
	QT_QPA_PLATFORM=offscreen $(VPY) -m pytest -p tests.no_skip $(PYTEST_ARGS)
endif

bench: system-test setup
	$(VPY) benchmarks/run_all.py

# The compiled catalogues: a fresh clone (or a .po edited by hand) gets its .mo files from msgfmt here.
MO := $(patsubst %.po,%.mo,$(wildcard station/locale/*/LC_MESSAGES/station.po))
setup: system $(STAMP) $(MO)

station/locale/%.mo: station/locale/%.po
	msgfmt --check -o $@ $<

system:
	@installer/system-packages.sh

system-test:
	@installer/system-packages.sh --test

$(STAMP): pyproject.toml
	test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info

# Debian packages of the station and the hub, into dist/ (installer/deb/build-debs.sh says how).
deb: setup
	installer/deb/build-debs.sh dist

# For CI (.ci/run, after `make test`): lintian on both packages (a warning fails) and, beside it, both into a
# clean Debian 12 made by mmdebstrap and the hub under systemd in QEMU (installer/deb/test-in-rootfs.sh).
# Lintian is one core for minutes and the rootfs mostly waits on the network and the VM, so they run together.
# The Debian base is cached (DEB_TEST_CACHE, default ~/.cache/triage-station/deb-test): only a cold run needs
# deb.debian.org.
deb-test: deb
	$(MAKE) --no-print-directory -j2 deb-lint deb-rootfs

deb-lint:
	lintian --fail-on error,warning --tag-display-limit 0 dist/triage-station_*_amd64.deb dist/triage-hub_*_amd64.deb
	@echo "deb-test: lintian passed on both packages"

deb-rootfs:
	installer/deb/test-in-rootfs.sh dist

# Refresh the README screenshot: the real app on Xvfb.
screenshot: setup
	STATION_SCREENSHOT_DELAY_MS=12000 $(VPY) -c "from pathlib import Path; import tempfile; from tests.ui.test_xvfb_screenshot import take_screenshot; \
	r = take_screenshot(Path('docs/screenshot-main.png'), Path(tempfile.mkdtemp())); print(r.stderr[-2000:])"

# A screenshot of every step of the bench flow (docs/steps/): the shift test on Xvfb, xcb platform.
screenshots: setup
	mkdir -p docs/steps
	$(VPY) -c "from tests.ui.test_xvfb_screenshot import on_xvfb; import sys; \
	r = on_xvfb(['$(VPY)', '-m', 'pytest', '-p', 'tests.no_skip', '-q', 'tests/ui/test_shift.py'], \
	{'STATION_STEP_SHOTS': 'docs/steps'}); print(r.stdout[-2000:]); sys.exit(r.returncode)"

# Every panel in Spanish and Polish, and in Polish at 150 % and 200 % (QT_SCALE_FACTOR), on Xvfb (xcb): docs/i18n/.
screenshots-lang: setup
	for run in es_ES.UTF-8:1:1280x800:es pl_PL.UTF-8:1:1280x800:pl pl_PL.UTF-8:1.5:1920x1200:pl-scale-150 \
	           pl_PL.UTF-8:2:2560x1600:pl-scale-200; do \
	  lang=$${run%%:*}; rest=$${run#*:}; scale=$${rest%%:*}; rest=$${rest#*:}; size=$${rest%%:*}; suffix=$${rest#*:}; \
	  $(VPY) -c "from tests.ui.test_xvfb_screenshot import on_xvfb; import sys; \
	  r = on_xvfb(['$(VPY)', '-m', 'tests.ui.panel_shots', 'docs/i18n', '$$suffix'], \
	  {'LANG': '$$lang', 'LANGUAGE': '', 'LC_ALL': '', 'QT_SCALE_FACTOR': '$$scale'}, size='$$size', timeout=300); \
	  print(r.stderr[-1500:]); sys.exit(r.returncode)" || exit 1; done

# Catalogues (station/i18n.py says how they are used): extract every marked string of the core, the UI
# (self.tr) and argparse's own words into station/locale/station.pot, merge it into each language's .po,
# compile the .mo files the package ships. Translate in the .po files, then run this again.
POT := station/locale/station.pot
translations: setup
	xgettext -L Python --from-code=UTF-8 -k_ -kN_ -ktr -kngettext:1,2 --no-wrap --sort-by-file \
	  --package-name=triage-station --msgid-bugs-address=triage-station@example.org -o $(POT) $$(git ls-files 'station/*.py')
	mkdir -p build
	cd $$(dirname $$($(VPY) -c 'import argparse; print(argparse.__file__)')) && \
	  xgettext -L Python --no-wrap --no-location -o $(CURDIR)/build/argparse.pot argparse.py
	msgcat --use-first --no-wrap -o $(POT) $(POT) build/argparse.pot
	for po in station/locale/*/LC_MESSAGES/station.po; do \
	  msgmerge -q --update --no-wrap --backup=none $$po $(POT) && msgfmt --check -o $${po%.po}.mo $$po || exit 1; done
