# tessera: build, run the local stack, test, install.
# Flags come from pkg-config; every C file is C17 with warnings as errors.

# The one version string: `tessera --version`, GET /status and the installed man pages show it.
VERSION    = 0.9.0
PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR   ?=
CC        ?= cc
CXX       ?= c++
PKGS       = fcgi libpq libsodium libctemplate_nothreads jansson liboath libqrencode
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      = -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
            -Wpointer-arith -Wsign-compare -Wmissing-declarations -Wformat=2
CFLAGS   ?= -O2 -g
CXXFLAGS ?= -O2 -g
ifeq ($(SANITIZE),1)
# clang: its ASan and UBSan share one runtime, so UBSan's reports go where ASAN_OPTIONS'
# log_path says (GCC's separate libubsan writes them to standard error whatever it is told).
CC        = clang
CXX       = clang++
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BUILD     = build/san
else
BUILD     = build/normal
endif
# The program: bin/tessera, or with SANITIZE=1 build/san/tessera, so that bin/ always holds the
# plain build (make run and make install use it). The e2e tests take it from TESSERA_BIN.
TESSERA   = $(if $(SANFLAGS),$(BUILD)/tessera,bin/tessera)
# The compiled-in defaults follow the install layout, so an installed binary needs a config that
# names only `database`; make run and the tests name their own paths.
PATH_DEFS    = -DTESSERA_VERSION=\"$(VERSION)\" -DTESSERA_CONFDIR=\"$(SYSCONFDIR)/tessera\" \
               -DTESSERA_DATADIR=\"$(PREFIX)/share/tessera\"
# -MMD -MP: each object also writes the list of headers it includes (OBJ.d, read below), so a
# header change rebuilds exactly the objects that include it.
DEPFLAGS     = -MMD -MP
ALL_CFLAGS   = -std=c17 -D_GNU_SOURCE $(WARN) $(DEPFLAGS) $(PATH_DEFS) $(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS)
ALL_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror $(DEPFLAGS) $(PKG_CFLAGS) $(SANFLAGS) $(CXXFLAGS)

# Every module but main.c; the unit tests link against the same objects.
LIB_SRC  = $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/view.o
LIB_A    = $(BUILD)/libtessera.a
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# libFuzzer targets (tests/fuzz/fuzz_*.c), built by clang against the parsers they drive.
FUZZ_CC      = clang
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 5
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  = -std=c17 -D_GNU_SOURCE $(WARN) $(PATH_DEFS) $(PKG_CFLAGS) -g -O1 $(FUZZ_SAN)
FUZZ_MODULES = base32 bearer buf clock config fcgi_check fmt form http netlist proof recovery rule text token totp
FUZZ_A       = build/fuzz/libfuzzed.a
FUZZ_LIBS   := $(shell pkg-config --libs fcgi libsodium liboath 2>/dev/null)
FUZZ_BIN     = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all deps run test unit rules e2e fuzz valgrind lint bench clean FORCE
all: $(TESSERA)

$(TESSERA): $(BUILD)/main.o $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CXX) $(SANFLAGS) -o $@ $^ $(PKG_LIBS)

# The same program plus test-only routes (tests/hooks/), for the tests that need
# a handler to misbehave; bin/tessera never contains them.
HOOK_OBJ = $(BUILD)/main.o $(filter-out $(BUILD)/routes.o,$(LIB_OBJ)) \
           $(BUILD)/hooks/routes.o $(BUILD)/hooks/page_test.o
$(TESSERA)-test: $(HOOK_OBJ)
	@mkdir -p $(@D)
	$(CXX) $(SANFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/hooks/routes.o: src/routes.c
	@mkdir -p $(BUILD)/hooks
	$(CC) $(ALL_CFLAGS) -DTESSERA_TEST_HOOKS -c -o $@ $<

$(BUILD)/hooks/page_test.o: tests/hooks/page_test.c
	@mkdir -p $(BUILD)/hooks
	$(CC) $(ALL_CFLAGS) -DTESSERA_TEST_HOOKS -Isrc -c -o $@ $<

$(BUILD)/%.o: src/%.c
	@mkdir -p $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The objects that use PATH_DEFS are rebuilt when VERSION, PREFIX or SYSCONFDIR change.
$(BUILD)/main.o $(BUILD)/config.o $(BUILD)/page_status.o: $(BUILD)/path-defs
$(BUILD)/path-defs: FORCE
	@mkdir -p $(BUILD)
	@echo '$(VERSION) $(PREFIX) $(SYSCONFDIR)' | cmp -s - $@ || echo '$(VERSION) $(PREFIX) $(SYSCONFDIR)' >$@
FORCE:

$(BUILD)/view.o: src/view.cc
	@mkdir -p $(BUILD)
	$(CXX) $(ALL_CXXFLAGS) -c -o $@ $<

# The modules as an archive: a test program pulls in only the objects it uses.
$(LIB_A): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(LIB_A)
	@mkdir -p $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -MT $@ -MF $@.d -Isrc -o $@.o -c $<
	$(CXX) $(SANFLAGS) -o $@ $@.o $(LIB_A) $(PKG_LIBS) -lcmocka

# tests/tools/db_describe: db.c's statement table checked against PostgreSQL (tests/e2e/test_db_statements.py).
DB_DESCRIBE = $(BUILD)/tests/db_describe
$(DB_DESCRIBE): tests/tools/db_describe.c $(LIB_A)
	@mkdir -p $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -MT $@ -MF $@.d -Isrc -o $@.o -c $<
	$(CXX) $(SANFLAGS) -o $@ $@.o $(LIB_A) $(PKG_LIBS)

build/fuzz/obj/%.o: src/%.c
	@mkdir -p build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_A): $(FUZZ_MODULES:%=build/fuzz/obj/%.o)
	rm -f $@
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c $(FUZZ_A)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -MT $@ -MF $@.d -fsanitize=fuzzer -Isrc -o $@ $< $(FUZZ_A) $(FUZZ_LIBS)

# The header lists the compiler wrote (none before the first build: then everything is built).
-include $(wildcard $(BUILD)/*.d $(BUILD)/hooks/*.d $(BUILD)/tests/*.d build/fuzz/*.d build/fuzz/obj/*.d)

# Installs the Debian packages the build needs, when missing.
deps:
	@deploy/local/deps.sh build

# The whole local stack in the foreground: PostgreSQL, the pool, nginx on :8080.
run:
	@deploy/local/deps.sh run
	@$(MAKE) --no-print-directory all
	@deploy/local/run.sh

# Every test: unit tests (cmocka) and end to end through nginx (pytest); then, unless this is
# the SANITIZE=1 run (the sanitized unit and e2e tests are its point), every fuzz target for
# FUZZ_TEST_SECONDS, the static analysis, and the e2e tests in VALGRIND_TESTS under memcheck.
test:
	@deploy/local/deps.sh test
	@$(MAKE) --no-print-directory all unit rules e2e
ifneq ($(SANITIZE),1)
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_TEST_SECONDS)
	@$(MAKE) --no-print-directory lint valgrind
endif

# deploy/prometheus: the scrape config and alert rules are valid, and the alerts fire as their unit
# tests expect.
rules:
	promtool check config deploy/prometheus/prometheus.yml
	promtool check rules deploy/prometheus/tessera.rules.yml
	promtool test rules deploy/prometheus/tessera.rules.test.yml

# The benchmark, not part of test: its own stack, wrk through nginx against pgbench on the same
# statements, then many sessions, a purge and a long run; prints one table (tests/bench/bench.sh,
# BENCH_* variables; BENCH_OUT=file.csv|file.json writes it too). A full run, every step, takes
# about 16 minutes on a quiet 2-core machine.
bench:
	@deploy/local/deps.sh bench
	@$(MAKE) --no-print-directory all build/bench/floor
	@tests/bench/bench.sh

# make bench's floor: a bare FastCGI responder doing the dashboard's one write, nothing else.
build/bench/floor: tests/bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(PKG_LIBS)

# Every unit test program, beside a throwaway PostgreSQL (tests/unit/pg_fixture.sh: a few seconds)
# for those that drive session.c and db.c against a real one.
unit: $(UNIT_BIN) $(TESSERA)
	@tests/unit/pg_fixture.sh $(TESSERA) sh -c 'set -e; for t; do echo "== $$t"; $$t; done' unit $(UNIT_BIN)

# With SANITIZE=1 every tessera process the tests start logs ASan/UBSan reports into
# $(BUILD)/reports and aborts; tests/e2e/reports.py fails the test a report appeared in.
# detect_leaks=0: workers leave through _exit(), which skips LeakSanitizer's at-exit check,
# so it could only judge the supervisor and one-shot commands; make valgrind checks leaks in
# every worker, at its exit. handle_segv=0: tests kill workers with SIGSEGV on purpose and
# expect the pool to see signal 11 (ASan's own checks report either way).
E2E_TESTS ?= tests/e2e
REPORTS = $(abspath $(BUILD))/reports
ifeq ($(SANITIZE),1)
ASAN_E2E  = abort_on_error=1:detect_leaks=0:handle_segv=0
UBSAN_E2E = abort_on_error=1:halt_on_error=1:print_stacktrace=1
E2E_ENV   = TESSERA_REPORT_DIR=$(REPORTS) ASAN_OPTIONS=$(ASAN_E2E):log_path=$(REPORTS)/san \
            UBSAN_OPTIONS=$(UBSAN_E2E):log_path=$(REPORTS)/san
endif
e2e: $(TESSERA) $(TESSERA)-test $(DB_DESCRIBE)
	@rm -rf $(REPORTS) && mkdir -p $(REPORTS) && chmod 1777 $(REPORTS)
	$(E2E_ENV) TESSERA_BIN=$(abspath $(TESSERA)) TESSERA_TEST_BIN=$(abspath $(TESSERA))-test \
	    TESSERA_DB_DESCRIBE=$(abspath $(DB_DESCRIBE)) \
	    /usr/bin/python3 -m pytest -q $(E2E_TESTS)

# The e2e tests in VALGRIND_TESTS (all: VALGRIND_TESTS=tests/e2e) with `tessera serve`, and so
# every worker it forks, under memcheck: a definite leak or a memory error in any of them fails
# the test it happened in (the logs: build/valgrind/vg.PID). tests/valgrind.supp silences only
# the libraries' own reports.
VALGRIND_TESTS ?= tests/e2e/test_signin.py tests/e2e/test_dashboard.py \
                  tests/e2e/test_signout.py tests/e2e/test_errors.py
VG_REPORTS = $(abspath build/valgrind)
VALGRIND   = valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
             --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=40 \
             --suppressions=$(CURDIR)/tests/valgrind.supp --log-file=$(VG_REPORTS)/vg.%p
valgrind: $(TESSERA) $(TESSERA)-test
	@test "$(SANITIZE)" != 1 || { echo "make valgrind: not with SANITIZE=1" >&2; exit 2; }
	@rm -rf $(VG_REPORTS) && mkdir -p $(VG_REPORTS) && chmod 1777 $(VG_REPORTS)
	TESSERA_REPORT_DIR=$(VG_REPORTS) TESSERA_WRAPPER="$(VALGRIND)" \
	    /usr/bin/python3 -m pytest -q $(VALGRIND_TESTS)

# `make install` (PREFIX, DESTDIR): Debian's layout. The daemon goes to sbin, templates and
# migrations to share/tessera, the units to $(PREFIX)/lib/systemd/system (systemd reads
# /usr/local/lib/systemd/system too), the example config to /etc/tessera. Installed text files
# name the installed paths: /usr/local in deploy/ becomes $(PREFIX), @VERSION@ $(VERSION). `make uninstall` removes
# exactly what install put (and /etc/tessera only when nothing else is left in it).
# PROGRAM: the binary to install (the e2e tests install the one they test).
PROGRAM ?= bin/tessera
SBINDIR  = $(PREFIX)/sbin
DATADIR  = $(PREFIX)/share/tessera
DOCDIR   = $(PREFIX)/share/doc/tessera
MANDIR   = $(PREFIX)/share/man
UNITDIR  = $(PREFIX)/lib/systemd/system
CONFDIR  = $(SYSCONFDIR)/tessera
UNITS    = tessera.service tessera.socket tessera-purge.service tessera-purge.timer
EXAMPLES = $(wildcard deploy/nginx/*.conf deploy/nginx/*.js deploy/apache/*.conf)
# source:installed-path pairs, copied with /usr/local replaced by $(PREFIX)
INSTALL_TEXT = deploy/man/tessera.8:$(MANDIR)/man8/tessera.8 \
               deploy/man/tessera.conf.5:$(MANDIR)/man5/tessera.conf.5 \
               deploy/tessera.conf:$(CONFDIR)/tessera.conf.example \
               deploy/logrotate/tessera:$(DOCDIR)/examples/logrotate/tessera \
               $(foreach u,$(UNITS),deploy/systemd/$(u):$(UNITDIR)/$(u)) \
               $(foreach e,$(EXAMPLES),$(e):$(DOCDIR)/examples/$(e:deploy/%=%))

.PHONY: install uninstall
install: $(PROGRAM)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/migrations \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CONFDIR) \
	    $(DESTDIR)$(DOCDIR)/examples/nginx $(DESTDIR)$(DOCDIR)/examples/apache \
	    $(DESTDIR)$(DOCDIR)/examples/logrotate
	install -m 0755 $(PROGRAM) $(DESTDIR)$(SBINDIR)/tessera
	install -m 0644 templates/* $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 migrations/*.sql $(DESTDIR)$(DATADIR)/migrations/
	install -m 0644 deploy/postgresql/roles.sql $(DESTDIR)$(DATADIR)/
	@set -e; for pair in $(INSTALL_TEXT); do \
	    src="$${pair%%:*}"; dst="$(DESTDIR)$${pair#*:}"; echo "install $$src $$dst"; \
	    sed -e 's|/usr/local|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' "$$src" >"$$dst.tmp"; chmod 0644 "$$dst.tmp"; mv "$$dst.tmp" "$$dst"; \
	done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/tessera $(foreach p,$(INSTALL_TEXT),$(DESTDIR)$(lastword $(subst :, ,$(p))))
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null || true

# Static analysis of src/: cppcheck (options here, suppressions in .cppcheck-suppressions) and
# clang-tidy (.clang-tidy), two files at a time; then the checks of tests/lint: no SQL built at run
# time, no #include reaching up a layer, the tests that only read the source tree (tests/lint/test_*.py,
# pytest), shellcheck over every shell script. Any finding fails.
CPPCHECK = cppcheck --enable=warning,style,performance,portability --inline-suppr \
           --error-exitcode=1 --quiet -D_GNU_SOURCE $(PATH_DEFS) -Isrc \
           --suppressions-list=.cppcheck-suppressions \
           --template='{file}:{line}: {severity} ({id}): {message}'
lint:
	$(CPPCHECK) --language=c --std=c11 src/*.c
	$(CPPCHECK) --language=c++ --std=c++17 src/view.cc
	@echo "clang-tidy src/*.c src/view.cc"
	@printf '%s\n' src/*.c | xargs -P2 -n4 sh -c 'clang-tidy --quiet "$$@" -- \
	    -std=c17 -D_GNU_SOURCE $(PATH_DEFS) $(PKG_CFLAGS) 2>/dev/null' clang-tidy
	@clang-tidy --quiet src/view.cc -- -std=c++17 $(PKG_CFLAGS) 2>/dev/null
	@echo "tests/lint/sql_literal.py" && tests/lint/sql_literal.py
	@echo "tests/lint/layers.py" && tests/lint/layers.py
	@echo "tests/lint/test_*.py" && /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/lint
	@tests/lint/shellcheck.sh

# Runs each fuzz target for FUZZ_SECONDS (make test: FUZZ_TEST_SECONDS); fails on any crash.
fuzz: $(FUZZ_BIN)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

clean:
	rm -rf build bin
