# kvmigrate — build, test, install.
#
#   make            build migratectl and migrated into build/
#   make check      install what the tests need, build (plain and ASan+UBSan), run every test
#   make demo       migrate the bundled example Xen guest (image files made on the spot)
#   make install    DESTDIR=... PREFIX=/usr
#   make bench      the every-boot cost against systemd-detect-virt

VERSION    := 0.1
PREFIX     ?= /usr
DESTDIR    ?=
BUILDDIR   ?= build
SANITIZE   ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config

LIBS_PC := mount blkid libudev libsystemd json-c

CFLAGS_BASE := -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
               -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
               -g -D_GNU_SOURCE -DKVMIGRATE_VERSION='"$(VERSION)"'
ifeq ($(SANITIZE),1)
CFLAGS_OPT  := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_SAN := -fsanitize=address,undefined
else
CFLAGS_OPT  := -O2
LDFLAGS_SAN :=
endif

PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC))
PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS_PC))
ALL_CFLAGS  = $(CFLAGS_BASE) $(CFLAGS_OPT) $(PC_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS_SAN) $(LDFLAGS)

PROGRAMS  := migratectl migrated
LIB_SRCS  := $(filter-out $(addprefix daemon/,$(addsuffix .c,$(PROGRAMS))) daemon/test-%.c,$(wildcard daemon/*.c))
TEST_SRCS := $(wildcard daemon/test-*.c)
LIB_OBJS  := $(patsubst daemon/%.c,$(BUILDDIR)/%.o,$(LIB_SRCS))
TESTS     := $(patsubst daemon/%.c,$(BUILDDIR)/%,$(TEST_SRCS))

all: $(addprefix $(BUILDDIR)/,$(PROGRAMS))

$(BUILDDIR)/%.o: daemon/%.c $(wildcard daemon/*.h) | $(BUILDDIR)/.dir
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILDDIR)/.dir:
	mkdir -p $(BUILDDIR) && touch $@

$(BUILDDIR)/libkvmigrate.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILDDIR)/migratectl $(BUILDDIR)/migrated: $(BUILDDIR)/%: $(BUILDDIR)/%.o $(BUILDDIR)/libkvmigrate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS)

$(BUILDDIR)/test-%: $(BUILDDIR)/test-%.o $(BUILDDIR)/libkvmigrate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

tests: $(TESTS)

# Build and test dependencies, from Debian's archive; skipped when present.
DEPS := build-essential pkg-config libmount-dev libblkid-dev libudev-dev libsystemd-dev \
        libjson-c-dev libcmocka-dev e2fsprogs xfsprogs dosfstools util-linux fdisk \
        dbus systemd strace cppcheck clang-format valgrind man-db groff-base
deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

check: deps
	$(MAKE) all tests
	$(MAKE) BUILDDIR=build-asan SANITIZE=1 all tests
	tests/run-tests

demo: deps all
	tests/demo.sh

bench: deps all
	tests/bench.sh

format:
	clang-format -i daemon/*.c daemon/*.h

clean:
	rm -rf build build-asan tests/.work

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/kvmigrate
	install -m 0755 $(BUILDDIR)/migratectl $(DESTDIR)$(PREFIX)/bin/migratectl
	install -m 0755 $(BUILDDIR)/migrated $(DESTDIR)$(PREFIX)/lib/kvmigrate/migrated

.PHONY: all tests deps check demo bench format clean install
.DELETE_ON_ERROR:
