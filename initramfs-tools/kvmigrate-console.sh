# kvmigrate: give initramfs-tools' /init the stdin, stdout and stderr the
# kernel could not give it. The hook installs this as
# /conf/conf.d/kvmigrate-console; /init sources it in its own shell (PID 1)
# after mounting /proc and /dev, before init-top starts udevd.
#
# Booted with console=hvc0 under KVM there is no console: "unable to open
# an initial console", /init runs with fds 0-2 closed, udevd gets its
# sockets on them and dies, no driver loads and the root never shows up.
# So each closed fd gets /dev/console when it opens, else /dev/ttyS0 (the
# KVM serial port), else /dev/null (stdin) and /dev/kmsg or /dev/null
# (stdout, stderr). With fds 0-2 open this does nothing.
#
# A failed "exec 0<file" makes a non-interactive shell exit, and this shell
# is PID 1: each device is first opened in a subshell, and only existing
# ones ("<>" and ">" would create a file in /dev).
#
# KVMIGRATE_CONSOLE, a space-separated list of devices, replaces
# "/dev/console /dev/ttyS0" (for the tests; the kernel command line can set
# it too). No variable is left behind, and no "set -e": this is /init.

if [ -d /proc/self/fd ] &&
        { [ ! -e /proc/self/fd/0 ] || [ ! -e /proc/self/fd/1 ] || [ ! -e /proc/self/fd/2 ]; }; then
        kvmigrate_tty=
        for kvmigrate_dev in ${KVMIGRATE_CONSOLE:-/dev/console /dev/ttyS0}; do
                if [ -e "$kvmigrate_dev" ] && ( exec 2>/dev/null 9<>"$kvmigrate_dev" ); then
                        kvmigrate_tty=$kvmigrate_dev
                        break
                fi
        done

        # No terminal: stdin reads nothing, and messages go to the kernel log.
        kvmigrate_in=
        kvmigrate_out=
        if [ -z "$kvmigrate_tty" ]; then
                if [ -e /dev/null ] && ( exec 2>/dev/null 9</dev/null ); then
                        kvmigrate_in=/dev/null
                fi
                for kvmigrate_dev in /dev/kmsg /dev/null; do
                        if [ -e "$kvmigrate_dev" ] && ( exec 2>/dev/null 9>"$kvmigrate_dev" ); then
                                kvmigrate_out=$kvmigrate_dev
                                break
                        fi
                done
        fi

        if [ ! -e /proc/self/fd/0 ]; then
                if [ -n "$kvmigrate_tty" ]; then
                        exec 0<>"$kvmigrate_tty"
                elif [ -n "$kvmigrate_in" ]; then
                        exec 0<"$kvmigrate_in"
                fi
        fi
        if [ ! -e /proc/self/fd/1 ]; then
                if [ -n "$kvmigrate_tty" ]; then
                        exec 1<>"$kvmigrate_tty"
                elif [ -n "$kvmigrate_out" ]; then
                        exec 1>"$kvmigrate_out"
                fi
        fi
        if [ ! -e /proc/self/fd/2 ]; then
                if [ -n "$kvmigrate_tty" ]; then
                        exec 2<>"$kvmigrate_tty"
                elif [ -n "$kvmigrate_out" ]; then
                        exec 2>"$kvmigrate_out"
                fi
        fi
        unset kvmigrate_tty kvmigrate_dev kvmigrate_in kvmigrate_out
fi
