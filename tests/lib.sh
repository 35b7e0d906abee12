# tests/lib.sh: shared by the end-to-end tests (sourced, POSIX sh).
#
# Each test starts the mock gateway (tests/mockgw) on 127.0.0.1 port 0,
# runs apnsend against it, and asserts three things: the exit status, what
# apnsend printed, and what the gateway logged as received.  Every wait has
# a deadline; nothing talks to anything but loopback.

: "${APNSEND:?run through make check}" "${MOCKGW:?}" "${CERTS:?}"

# APN_TEST_TIME_SCALE (a whole number, default 1) multiplies the deadlines
# here: the mock's lifetime and every wait for apnsend or a mock.  make
# check-valgrind sets it, as apnsend under valgrind is 20 to 100 times
# slower (opening tests/certs/client.p12, 600000 PBKDF2 iterations, takes
# 0.25 s natively and 30 s under valgrind).
SCALE=${APN_TEST_TIME_SCALE:-1}
case $SCALE in '' | *[!0-9]* | 0) echo "APN_TEST_TIME_SCALE=$SCALE: not a whole number >= 1" >&2; exit 99 ;; esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/apnsend-test.XXXXXX") || exit 99
MOCK_PID=
GWLOG=$TMP/gw.log

cleanup() {
	if [ -n "$MOCK_PID" ]; then
		kill "$MOCK_PID" 2>/dev/null
		wait "$MOCK_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

# Device tokens: 32 bytes each, easy to tell apart in logs.
TOK1=0000000000000000000000000000000000000000000000000000000000000001
TOK2=0000000000000000000000000000000000000000000000000000000000000002
TOK3=0000000000000000000000000000000000000000000000000000000000000003
TOK4=0000000000000000000000000000000000000000000000000000000000000004
PAYLOAD='{"aps":{"alert":"Hi"}}'
PAYLOAD_HEX=7b22617073223a7b22616c657274223a224869227d7d

# show TITLE FILE: the start and end of FILE on stderr (logs can be huge).
show() {
	[ -f "$2" ] || return 0
	echo "--- $1 ($(wc -l < "$2") lines):" >&2
	if [ "$(wc -l < "$2")" -le 40 ]; then
		cat "$2" >&2
	else
		head -n 20 "$2" >&2
		echo "..." >&2
		tail -n 20 "$2" >&2
	fi
}

fail() {
	echo "FAIL: $*" >&2
	show "apnsend stdout" "$TMP/out"
	show "apnsend stderr" "$TMP/err"
	show "gateway log" "$GWLOG"
	show "mock stderr" "$TMP/mock.err"
	exit 1
}

now() { date +%s; }

# start_peer WHAT BINARY [options]: start a mock (tests/mockgw or
# tests/mockh2) with the test certificates, logging to $GWLOG, and wait
# (at most 10 s, times SCALE) for its port: PORT; it ends itself after 30 s
# (times SCALE).  It presents $CERTS/$MOCK_CERT.pem
# and .key (default: server, for localhost).
start_peer() {
	_what=$1 _bin=$2
	shift 2
	: > "$GWLOG"
	# Emptied here, not by the background child: otherwise the wait below
	# can read the previous mock's port.
	: > "$TMP/mock.out"
	"$_bin" --cert "$CERTS/${MOCK_CERT:-server}.pem" \
		--key "$CERTS/${MOCK_CERT:-server}.key" \
		--client-ca "$CERTS/client-ca.pem" --log "$GWLOG" \
		--max-seconds $((30 * SCALE)) "$@" > "$TMP/mock.out" 2> "$TMP/mock.err" &
	MOCK_PID=$!
	_deadline=$(( $(now) + 10 * SCALE ))
	until grep -q '^port ' "$TMP/mock.out" 2>/dev/null; do
		kill -0 "$MOCK_PID" 2>/dev/null || fail "$_what did not start"
		[ "$(now)" -lt "$_deadline" ] || fail "$_what gave no port in $((10 * SCALE)) s"
		sleep 0.05
	done
	PORT=$(sed -n 's/^port //p' "$TMP/mock.out")
}

# start_mock [mock options]: start the binary-protocol gateway, set PORT.
start_mock() {
	start_peer "mock gateway" "$MOCKGW" "$@"
}

# The provider token identity the HTTP/2 mock accepts by default (keys:
# $CERTS/authkey.p8, and authkey.pub.pem that verifies it).
AUTH_KEY_ID=ABC1234567
AUTH_TEAM_ID=TEAM123456

# start_mockh2 [mock options]: start the HTTP/2 APNs server, set PORT.
# It verifies provider tokens from $AUTH_KEY_ID, $AUTH_TEAM_ID signed
# with $CERTS/authkey.p8 (options given here come after, so they win).
start_mockh2() {
	start_peer "mock HTTP/2 server" "${MOCKH2:?run through make check}" \
		--auth-pub "$CERTS/authkey.pub.pem" --auth-key-id "$AUTH_KEY_ID" \
		--auth-team-id "$AUTH_TEAM_ID" "$@"
}

# stop_mock: wait (at most 10 s, times SCALE) for the mock to finish its connections, so
# its log is complete; kill it if it does not.
stop_mock() {
	[ -n "$MOCK_PID" ] || return 0
	_deadline=$(( $(now) + 10 * SCALE ))
	while kill -0 "$MOCK_PID" 2>/dev/null; do
		if [ "$(now)" -ge "$_deadline" ]; then
			kill "$MOCK_PID" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$MOCK_PID" 2>/dev/null
	MOCK_PID=
}

# kill_mock: stop it now (for mocks that are still waiting for a client).
kill_mock() {
	[ -n "$MOCK_PID" ] || return 0
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	MOCK_PID=
}

# apnsend ARGS...: run with the test gateway and CA and the client
# certificate; RC, $TMP/out and $TMP/err hold the results.
apnsend_gw() {
	"$APNSEND" --gateway "localhost:$PORT" --cafile "$CERTS/server-ca.pem" "$@" \
		> "$TMP/out" 2> "$TMP/err" < "${STDIN:-/dev/null}"
	RC=$?
}
apnsend() {
	apnsend_gw -c "$CERTS/client.pem" -k "$CERTS/client.key" "$@"
}

expect_rc() {
	[ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1"
}

# expect_line FILE LINE: FILE has LINE exactly (as a whole line).
expect_line() {
	grep -Fxq -- "$2" "$1" || fail "missing line in $(basename "$1"): $2"
}

# expect_grep FILE REGEX
expect_grep() {
	grep -Eq -- "$2" "$1" || fail "no line matching /$2/ in $(basename "$1")"
}

expect_no_grep() {
	! grep -Eq -- "$2" "$1" || fail "unexpected line matching /$2/ in $(basename "$1")"
}

# expect_count FILE REGEX N
expect_count() {
	_n=$(grep -Ec -- "$2" "$1")
	[ "$_n" -eq "$3" ] || fail "$_n lines match /$2/ in $(basename "$1"), expected $3"
}

# expect_empty FILE
expect_empty() {
	[ ! -s "$1" ] || fail "$(basename "$1") is not empty"
}

# The gateway log's notification lines, and a check of one of them.
gw_notifications() { grep '^notification ' "$GWLOG"; }
expect_gw_count() { expect_count "$GWLOG" '^notification ' "$1"; }

# expect_refused RC REGEX: the run exited RC, said one line matching REGEX
# on stderr, and reported nothing on stdout.
expect_refused() {
	expect_rc "$1"
	expect_stderr_one_line "$2"
	expect_empty "$TMP/out"
}

# expect_stderr_one_line REGEX: stderr is exactly one line matching REGEX.
expect_stderr_one_line() {
	_n=$(wc -l < "$TMP/err")
	[ "$_n" -eq 1 ] || fail "stderr has $_n lines, expected 1"
	expect_grep "$TMP/err" "$1"
}

hex() { od -An -tx1 -v | tr -d ' \n'; }

# wait_until SECONDS WHAT COMMAND...: run COMMAND every 50 ms until it
# succeeds; fail naming WHAT after SECONDS (times SCALE).
wait_until() {
	_secs=$(( $1 * SCALE ))
	_limit=$(( $(now) + _secs ))
	_what=$2
	shift 2
	until "$@"; do
		[ "$(now)" -lt "$_limit" ] || fail "waited $_secs s for: $_what"
		sleep 0.05
	done
}

# reached T: the clock (now) has reached T.
reached() { [ "$(now)" -ge "$1" ]; }

# has_lines FILE REGEX N: FILE has at least N lines matching REGEX.
has_lines() {
	[ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

# The stream tests feed apnsend through a FIFO, in phases:
#   start_stream ARGS...  apnsend (with the test gateway and certificate)
#                         reads $TMP/fifo in the background; fd 3 writes it
#   end_stream            close fd 3, wait (at most 30 s, times SCALE) for
#                         apnsend; RC
start_stream() {
	rm -f "$TMP/fifo"
	mkfifo "$TMP/fifo" || fail "mkfifo"
	"$APNSEND" --gateway "localhost:$PORT" --cafile "$CERTS/server-ca.pem" \
		-c "$CERTS/client.pem" -k "$CERTS/client.key" "$@" \
		< "$TMP/fifo" > "$TMP/out" 2> "$TMP/err" &
	STREAM_PID=$!
	exec 3> "$TMP/fifo"
}
end_stream() {
	exec 3>&-
	_limit=$(( $(now) + 30 * SCALE ))
	while kill -0 "$STREAM_PID" 2>/dev/null; do
		[ "$(now)" -lt "$_limit" ] || { kill "$STREAM_PID"; fail "apnsend did not end in $((30 * SCALE)) s"; }
		sleep 0.05
	done
	wait "$STREAM_PID"
	RC=$?
}
