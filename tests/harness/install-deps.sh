#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages that building and testing need, and the
# unprivileged "oitest" account the test Dovecot runs mail processes as.
#
# Quiet and idempotent when everything is already there.  As root it
# installs what is missing; otherwise it lists the packages and exits 1.
# No system service is started: installing dovecot-imapd would normally
# start the system Dovecot, which the test harness never uses (it runs its
# own instance on free loopback ports with its own configuration).

set -eu

BUILD_PKGS="gcc make pkg-config libssl-dev libncurses-dev libpcre2-dev"
TEST_PKGS="dovecot-imapd openssl tmux python3 procps binutils clang libclang-rt-dev groff-base man-db mandoc"
TEST_USER=oitest

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# Not Debian: we cannot name packages, so only check the tools.
if ! command -v dpkg-query >/dev/null 2>&1; then
	missing=""
	for cmd in cc make pkg-config dovecot openssl tmux python3 pkill nm; do
		command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
	done
	if [ -n "$missing" ]; then
		echo "install-deps: not a Debian system; please install the" \
			"programs:$missing" >&2
		echo "install-deps: (plus the OpenSSL, ncursesw and PCRE2" \
			"development files)" >&2
		exit 1
	fi
	exit 0
fi

missing=""
for pkg in $BUILD_PKGS $TEST_PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*" ok installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done

if [ -n "$missing" ]; then
	if ! is_root; then
		echo "install-deps: missing Debian packages:$missing" >&2
		echo "install-deps: run as root:" \
			"apt-get install --no-install-recommends$missing" >&2
		exit 1
	fi
	echo "install-deps: installing$missing"
	# policy-rc.d answering 101 ("action forbidden") stops invoke-rc.d
	# from starting the packaged daemons; keep any policy already there.
	policy=/usr/sbin/policy-rc.d
	own_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		own_policy=1
		trap 'rm -f "$policy"' EXIT INT TERM
	fi
	export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
	apt-get update -q
	# shellcheck disable=SC2086 # the list is meant to be split
	apt-get install -y -q --no-install-recommends $missing
	if [ "$own_policy" -eq 1 ]; then
		rm -f "$policy"
		trap - EXIT INT TERM
	fi
fi

# Dovecot refuses to run mail processes as root, so the test server's
# users map to this system account.
if ! getent passwd "$TEST_USER" >/dev/null 2>&1; then
	if is_root; then
		getent group "$TEST_USER" >/dev/null 2>&1 ||
			groupadd --system "$TEST_USER"
		useradd --system --no-create-home --shell /usr/sbin/nologin \
			--home-dir /nonexistent --gid "$TEST_USER" "$TEST_USER"
	fi
	# Not root: the harness then runs Dovecot entirely as the calling
	# user and does not need this account.
fi
exit 0
