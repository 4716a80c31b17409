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

LIBS_PC := mount blkid libudev libsystemd json-c yaml-0.1

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
# Helpers the unit tests share (fixture trees, temporary roots); never in the programs.
TESTLIB_OBJS := $(patsubst tests/lib/%.c,$(BUILDDIR)/testlib-%.o,$(wildcard tests/lib/*.c))

all: $(addprefix $(BUILDDIR)/,$(PROGRAMS))

$(BUILDDIR)/%.o: daemon/%.c $(wildcard daemon/*.h tests/lib/*.h) | $(BUILDDIR)/.dir
	$(CC) $(ALL_CFLAGS) -Idaemon -Itests/lib -c -o $@ $<

$(BUILDDIR)/.dir:
	mkdir -p $(BUILDDIR) && touch $@

$(BUILDDIR)/libkvmigrate.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILDDIR)/migratectl $(BUILDDIR)/migrated: $(BUILDDIR)/%: $(BUILDDIR)/%.o $(BUILDDIR)/libkvmigrate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS)

$(BUILDDIR)/testlib-%.o: tests/lib/%.c $(wildcard tests/lib/*.h daemon/*.h) | $(BUILDDIR)/.dir
	$(CC) $(ALL_CFLAGS) -Idaemon -c -o $@ $<

$(BUILDDIR)/test-%: $(BUILDDIR)/test-%.o $(TESTLIB_OBJS) $(BUILDDIR)/libkvmigrate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

tests: $(TESTS)

# Build and test dependencies, from Debian's archive; skipped when present.
DEPS := build-essential pkg-config libmount-dev libblkid-dev libudev-dev libsystemd-dev \
        libjson-c-dev libcmocka-dev e2fsprogs xfsprogs dosfstools util-linux mount fdisk \
        dbus systemd strace cppcheck clang-format valgrind man-db groff-base grub-common \
        python3 jq qemu-system-x86 debootstrap zstd busybox klibc-utils patch git \
        clang libclang-rt-14-dev netplan.io libyaml-dev ifupdown
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

# The boot test alone (make check runs it too): a Xen-style Debian guest booted under QEMU.
check-boot: deps
	tests/boot/run

demo: deps all
	tests/demo.sh

bench: deps all
	tests/bench.sh

format:
	clang-format -i daemon/*.c daemon/*.h tests/lib/*.c tests/lib/*.h fuzz/*.c fuzz/*.h

clean:
	rm -rf build build-asan build-fuzz tests/.work

# Where Debian and Fedora expect things; pkg-config knows when the packages that own the folders are there.
pcvar = $(or $(shell $(PKG_CONFIG) --variable=$(2) $(1) 2>/dev/null),$(3))
SYSTEMDUNITDIR   ?= $(call pcvar,systemd,systemdsystemunitdir,/lib/systemd/system)
SYSTEMDPRESETDIR ?= $(call pcvar,systemd,systemdsystempresetdir,/lib/systemd/system-preset)
DBUSPOLICYDIR    ?= $(PREFIX)/share/dbus-1/system.d
DBUSSERVICEDIR   ?= $(call pcvar,dbus-1,system_bus_services_dir,$(PREFIX)/share/dbus-1/system-services)
DRACUTMODULEDIR  ?= $(call pcvar,dracut,dracutmodulesdir,$(PREFIX)/lib/dracut/modules.d)
INITRAMFSTOOLSDIR ?= $(PREFIX)/share/initramfs-tools
DATADIR          ?= $(PREFIX)/share/kvmigrate
MANDIR           ?= $(PREFIX)/share/man
LIBEXECDIR       ?= $(PREFIX)/lib/kvmigrate

# The units and the activation file name the programs where PREFIX puts them.
SUBST = sed -e 's|/usr/bin/migratectl|$(PREFIX)/bin/migratectl|g' -e 's|/usr/lib/kvmigrate/migrated|$(LIBEXECDIR)/migrated|g'

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSTEMDPRESETDIR) $(DESTDIR)$(DBUSPOLICYDIR) $(DESTDIR)$(DBUSSERVICEDIR) \
		$(DESTDIR)$(DRACUTMODULEDIR)/90kvmigrate $(DESTDIR)$(INITRAMFSTOOLSDIR)/hooks \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/local-bottom $(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/init-bottom \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/local-block \
		$(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)/var/lib/kvmigrate
	install -m 0755 $(BUILDDIR)/migratectl $(DESTDIR)$(PREFIX)/bin/migratectl
	install -m 0755 $(BUILDDIR)/migrated $(DESTDIR)$(LIBEXECDIR)/migrated
	for u in units/kvmigrate.service units/kvmigrate-migrated.service units/kvmigrate-initramfs.service; do \
		$(SUBST) "$$u" >$(DESTDIR)$(SYSTEMDUNITDIR)/$${u#units/} && chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u#units/}; done
	install -m 0644 units/90-kvmigrate.preset $(DESTDIR)$(SYSTEMDPRESETDIR)/
	install -m 0644 units/org.kvmigrate.Migrate1.conf $(DESTDIR)$(DBUSPOLICYDIR)/
	$(SUBST) units/org.kvmigrate.Migrate1.service >$(DESTDIR)$(DBUSSERVICEDIR)/org.kvmigrate.Migrate1.service
	chmod 0644 $(DESTDIR)$(DBUSSERVICEDIR)/org.kvmigrate.Migrate1.service
	install -m 0755 dracut/90kvmigrate/module-setup.sh dracut/90kvmigrate/kvmigrate-pre-pivot.sh \
		dracut/90kvmigrate/kvmigrate-links.sh $(DESTDIR)$(DRACUTMODULEDIR)/90kvmigrate/
	install -m 0755 initramfs-tools/hooks/kvmigrate $(DESTDIR)$(INITRAMFSTOOLSDIR)/hooks/kvmigrate
	install -m 0755 initramfs-tools/scripts/local-bottom/kvmigrate \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/local-bottom/kvmigrate
	install -m 0755 initramfs-tools/scripts/init-bottom/kvmigrate \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/init-bottom/kvmigrate
	install -m 0755 initramfs-tools/scripts/local-block/kvmigrate \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/local-block/kvmigrate
	install -m 0644 initramfs-tools/kvmigrate-console.sh $(DESTDIR)$(DATADIR)/initramfs-console.sh
	for m in man/*.[1578]; do [ -e "$$m" ] || continue; \
		install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man$${m##*.}/; done

# Fuzzing (fuzz/): one libFuzzer target per parser of guest input, fuzz/fuzz-NAME.c.
#   make fuzz         build them with clang and libFuzzer into build-fuzz/, seed fuzz/corpus/NAME/ from
#                     tests/fixtures, and run each in turn for FUZZ_SECONDS; a crash is kept as
#                     fuzz/crashes/NAME-*, and copied to fuzz/regressions/NAME/
#   make fuzz-replay  every seed, corpus and regression input once through each target, built with $(CC)
#                     and the ASan+UBSan objects of build-asan/ (what tests/run-tests runs; no clang needed)
# FUZZ_TARGETS=NAME... picks targets (make fuzz runs them one after the other, whatever -j says).
FUZZ_SECONDS  ?= 600
FUZZ_TIMEOUT  ?= 25
FUZZ_CC       ?= clang
FUZZ_BUILDDIR ?= build-fuzz
FUZZ_SAN      := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_ALL      := $(patsubst fuzz/fuzz-%.c,%,$(wildcard fuzz/fuzz-*.c))
FUZZ_TARGETS  ?= $(FUZZ_ALL)
FUZZ_BINS      = $(addprefix $(BUILDDIR)/fuzz/fuzz-,$(FUZZ_TARGETS))
# The replay build links fuzz/replay.c for main(); the libFuzzer build sets FUZZ_DRIVER empty.
FUZZ_DRIVER   ?= $(BUILDDIR)/fuzz/replay.o

$(BUILDDIR)/fuzz/%.o: fuzz/%.c fuzz/fuzz.h $(wildcard daemon/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon -Ifuzz -c -o $@ $<

$(FUZZ_BINS): $(BUILDDIR)/fuzz/fuzz-%: $(BUILDDIR)/fuzz/fuzz-%.o $(BUILDDIR)/fuzz/common.o $(FUZZ_DRIVER) \
		$(BUILDDIR)/libkvmigrate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS)

fuzz-bins: $(FUZZ_BINS)

fuzz: deps
	$(MAKE) BUILDDIR=$(FUZZ_BUILDDIR) CC=$(FUZZ_CC) CFLAGS='-O1 -fno-omit-frame-pointer $(FUZZ_SAN)' \
		LDFLAGS='$(FUZZ_SAN)' FUZZ_DRIVER= FUZZ_TARGETS='$(FUZZ_TARGETS)' fuzz-bins
	fuzz/make-corpus.sh $(FUZZ_TARGETS)
	fuzz/run-fuzz.sh $(FUZZ_BUILDDIR) $(FUZZ_SECONDS) $(FUZZ_TIMEOUT) $(FUZZ_TARGETS)

fuzz-replay:
	$(MAKE) BUILDDIR=build-asan SANITIZE=1 FUZZ_TARGETS='$(FUZZ_TARGETS)' fuzz-bins
	fuzz/make-corpus.sh $(FUZZ_TARGETS) >/dev/null
	KVMIGRATE_FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) fuzz/replay.sh build-asan $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-bins fuzz-replay

.PHONY: all tests deps check check-boot demo bench format clean install
.DELETE_ON_ERROR:
