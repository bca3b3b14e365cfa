#!/bin/sh
# SPDX-License-Identifier: MIT
# t0310-socket-abuse.sh - apsimd's control socket under abuse (docs/daemon.md "Control socket"):
# idle and trickling clients are dropped after --client-timeout, a client over the limit of
# 64 connections gets a "busy" answer (not EPIPE or a reset), 64 event followers do not lock
# the commands out (a budget of their own), a 10 MB request line gets
# "request too long", and garbage, NUL bytes and invalid UTF-8 get exact errors; the daemon
# survives all of it and serves normal requests after.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_root
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

# The client side, in python3 (exact bytes, no shell quoting):
#   raw SOCK BYTES            BYTES (a Python bytes literal) sent, the write side shut; prints
#                             the reply and a last line: EOF, or the errno that ended it
#   timed SOCK LO HI          connects, sends nothing; the reply, its end, and "after LO to
#                             HI s" if it ended that many seconds later, else the time
#   trickle SOCK              sends {"op":"info"} a byte every 0.4 s; reply and end
#   big SOCK N                N bytes of 'x' and a newline, all sent before reading; "sent"
#                             or the send errno, then the reply and its end
#   pad SOCK N                {"op":"info"} padded with spaces to N bytes: the reply but its
#                             {"info"} line, and its end
#   hold SOCK N DIR           holds N idle connections: DIR/ready once connected, closes them
#                             when DIR/release appears (or after 60 s)
#   follow SOCK N DIR         holds N synchronous event followers: DIR/ready (how many were
#                             registered) once each got its {"seqnum"}, closes them when
#                             DIR/release appears (or after 60 s)
#   expire SOCK N             holds N idle connections until the daemon drops them: prints how
#                             many got the timeout answer, then EOF
#   fuzz SOCK N SEED          N connections with random bytes (a newline at the end): prints
#                             how many got an {"rc": -22} line and then EOF
cat >"$T/client.py" <<'PYEOF'
import ast, errno, json, os, random, socket, sys, time

def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    return s

def reply(s):
    buf = b""
    while True:
        try:
            b = s.recv(65536)
        except OSError as e:
            return buf, errno.errorcode.get(e.errno, str(e.errno))
        if not b:
            return buf, "EOF"
        buf += b

def show(buf, end):
    sys.stdout.write(buf.decode("utf-8", "backslashreplace"))
    print(end)

mode, path = sys.argv[1], sys.argv[2]
if mode == "raw":
    s = conn(path)
    s.sendall(ast.literal_eval(sys.argv[3]))
    s.shutdown(socket.SHUT_WR)
    show(*reply(s))
elif mode == "timed":
    s = conn(path)
    t0 = time.monotonic()
    buf, end = reply(s)
    t = time.monotonic() - t0
    show(buf, end)
    lo, hi = float(sys.argv[3]), float(sys.argv[4])
    print("after %s to %s s" % (sys.argv[3], sys.argv[4]) if lo <= t <= hi else "after %.2f s" % t)
elif mode == "trickle":
    s = conn(path)
    try:
        for c in b'{"op":"info"}\n':
            s.send(bytes([c]))
            time.sleep(0.4)
    except OSError:
        pass
    show(*reply(s))
elif mode == "big":
    s = conn(path)
    try:
        s.sendall(b"x" * int(sys.argv[3]) + b"\n")
        print("sent")
    except OSError as e:
        print("send: " + errno.errorcode.get(e.errno, str(e.errno)))
    show(*reply(s))
elif mode == "pad":
    line = b'{"op":"info"}'
    line += b" " * (int(sys.argv[3]) - len(line)) + b"\n"
    s = conn(path)
    s.sendall(line)
    buf, end = reply(s)
    show(b"".join(l for l in buf.splitlines(True) if not l.startswith(b'{"info"')), end)
elif mode == "hold":
    socks = [conn(path) for _ in range(int(sys.argv[3]))]
    d = sys.argv[4]
    open(os.path.join(d, "ready"), "w").close()
    t0 = time.monotonic()
    while not os.path.exists(os.path.join(d, "release")) and time.monotonic() - t0 < 60:
        time.sleep(0.05)
    for s in socks:
        s.close()
elif mode == "follow":
    # sync followers: the {"seqnum"} line says the daemon has registered each one
    socks = [conn(path) for _ in range(int(sys.argv[3]))]
    for s in socks:
        s.sendall(b'{"argv":["events","--follow"],"sync":true}\n')
    got = sum(1 for s in socks if s.recv(4096).startswith(b'{"seqnum":'))
    d = sys.argv[4]
    with open(os.path.join(d, "ready"), "w") as f:
        f.write("%d\n" % got)
    t0 = time.monotonic()
    while not os.path.exists(os.path.join(d, "release")) and time.monotonic() - t0 < 60:
        time.sleep(0.05)
    for s in socks:
        s.close()
elif mode == "expire":
    socks = [conn(path) for _ in range(int(sys.argv[3]))]
    want = b'{"err":"apsimd: no complete request within 2 s\\n"}\n{"rc":-110}\n'
    print(sum(1 for s in socks if reply(s) == (want, "EOF")))
elif mode == "fuzz":
    rnd = random.Random(int(sys.argv[4]))
    good = 0
    for i in range(int(sys.argv[3])):
        n = rnd.randrange(0, 200)
        data = bytes(rnd.randrange(0, 256) for _ in range(n)).replace(b"\n", b" ")
        if rnd.randrange(4) == 0:
            data = b'{"argv":["' + data + b'"]}'
        s = conn(path)
        s.sendall(data + b"\n")
        buf, end = reply(s)
        lines = buf.splitlines()
        if end == "EOF" and lines and json.loads(lines[-1]) in ({"rc": -22}, {"rc": -25}):
            good += 1
        else:
            print("# %r -> %r %s" % (data, buf, end))
    print(good)
PYEOF
client() { python3 "$T/client.py" "$@"; }

# raw_is DESC BYTES EXPECTED: the exact reply (and its end) to BYTES
raw_is() {
	check_eq "$1" "$3" "$(client raw "$SOCK" "$2")"
}

# --- the option ---
check_run "--client-timeout 0 is refused" "$APSIMD" --mount "$T" --client-timeout 0 <<'EOF'
-- stderr
apsimd: --client-timeout: '0' is not a number of seconds from 1 to 86400
-- rc 1
EOF
check_run "--client-timeout 2s is refused" "$APSIMD" --mount "$T" --client-timeout 2s <<'EOF'
-- stderr
apsimd: --client-timeout: '2s' is not a number of seconds from 1 to 86400
-- rc 1
EOF
"$APSIMD" --help >"$T/help"
check "--help documents --client-timeout" grep -qx \
	"  --client-timeout S   drop a control socket client whose request line is not" "$T/help"

start_apsimd --client-timeout 2 --no-netlink || bail_out "apsimd did not start"

# --- idle and slow clients ---
check_eq "an idle client is answered and dropped after 2 s" \
	'{"err":"apsimd: no complete request within 2 s\n"}
{"rc":-110}
EOF
after 1.5 to 4 s' "$(client timed "$SOCK" 1.5 4)"
check_eq "a client trickling its request is dropped 2 s after it connected" \
	'{"err":"apsimd: no complete request within 2 s\n"}
{"rc":-110}
EOF' "$(client trickle "$SOCK")"
check_eq "64 idle connections are all dropped after the timeout" "64" "$(client expire "$SOCK" 64)"
check_eq "then the next client is served" "CEX8C" "$(apsim_remote read devices/ap/card03/type)"

# --- request size (limit: 64 KiB before the newline) ---
check_eq "a line of 65536 bytes is served" '{"rc":0}
EOF' "$(client pad "$SOCK" 65536)"
check_eq "a line of 65537 bytes is too long" \
	'{"err":"apsimd: request too long: more than 65536 bytes before the newline\n"}
{"rc":-7}
EOF' "$(client pad "$SOCK" 65537)"
check_eq "a 10 MB line: all of it sent, 'request too long', then EOF" \
	'sent
{"err":"apsimd: request too long: more than 65536 bytes before the newline\n"}
{"rc":-7}
EOF' "$(client big "$SOCK" 10485760)"

# --- bytes that are no request ---
raw_is "empty line" "b'\n'" '{"err":"apsimd: malformed request: empty line\n"}
{"rc":-22}
EOF'
raw_is "blank line" "b' \t \r\n'" '{"err":"apsimd: malformed request: empty line\n"}
{"rc":-22}
EOF'
raw_is "a NUL byte" "b'\0\n'" '{"err":"apsimd: malformed request: NUL byte at offset 0\n"}
{"rc":-22}
EOF'
raw_is "a NUL byte inside a string" "b'{\"argv\":[\"re\0ad\"]}\n'" \
	'{"err":"apsimd: malformed request: NUL byte at offset 12\n"}
{"rc":-22}
EOF'
raw_is "garbage bytes" "b'\x01\x02\x7fgarbage\n'" \
	'{"err":"apsimd: malformed request: control character 0x01 at offset 0\n"}
{"rc":-22}
EOF'
raw_is "a terminal escape" "b'\x1b[2J\n'" \
	'{"err":"apsimd: malformed request: control character 0x1b at offset 0\n"}
{"rc":-22}
EOF'
raw_is "invalid UTF-8: 0xff" "b'{\"argv\":[\"read\",\"\xff\xfe\"]}\n'" \
	'{"err":"apsimd: malformed request: invalid UTF-8 at offset 17\n"}
{"rc":-22}
EOF'
raw_is "invalid UTF-8: an overlong '/'" "b'{\"argv\":[\"\xc0\xaf\"]}\n'" \
	'{"err":"apsimd: malformed request: invalid UTF-8 at offset 10\n"}
{"rc":-22}
EOF'
raw_is "invalid UTF-8: a surrogate" "b'{\"argv\":[\"\xed\xa0\x80\"]}\n'" \
	'{"err":"apsimd: malformed request: invalid UTF-8 at offset 10\n"}
{"rc":-22}
EOF'
raw_is "invalid UTF-8: past U+10FFFF" "b'{\"argv\":[\"\xf4\x90\x80\x80\"]}\n'" \
	'{"err":"apsimd: malformed request: invalid UTF-8 at offset 10\n"}
{"rc":-22}
EOF'
raw_is "invalid UTF-8: a sequence cut by the newline" "b'{\"argv\":[\"\xe2\x82\n'" \
	'{"err":"apsimd: malformed request: invalid UTF-8 at offset 10\n"}
{"rc":-22}
EOF'
raw_is "valid UTF-8 goes on to the command" "b'{\"argv\":[\"\xc3\xa9\"]}\n'" \
	'{"err":"apsim: unknown command '\''é'\'' (try '\''help'\'')\n"}
{"rc":-25}
EOF'
raw_is "not JSON" "b'garbage\n'" \
	'{"err":"apsimd: malformed request: invalid JSON: '\''['\'' or '\''{'\'' expected near '\''garbage'\''\n"}
{"rc":-22}
EOF'
raw_is "not a JSON object" "b'[1,2]\n'" '{"err":"apsimd: malformed request: not a JSON object\n"}
{"rc":-22}
EOF'
raw_is "\\u0000 in argv" "b'{\"argv\":[\"read\",\"a\\\\u0000b\"]}\n'" \
	'{"err":"apsimd: malformed request: argv[1] holds a NUL character\n"}
{"rc":-22}
EOF'
raw_is "\\u0000 in op" "b'{\"op\":\"info\\\\u0000x\"}\n'" \
	'{"err":"apsimd: malformed request: \"op\" holds a NUL character\n"}
{"rc":-22}
EOF'
raw_is "\\u0000 in a guest name" "b'{\"op\":\"guest-mount\",\"guest\":\"g\\\\u0000\"}\n'" \
	'{"err":"apsimd: malformed request: \"guest\" holds a NUL character\n"}
{"rc":-22}
EOF'
raw_is "a lone surrogate escape" "b'{\"argv\":[\"\\\\udc00\"]}\n'" \
	'{"err":"apsimd: malformed request: invalid JSON: invalid Unicode '\''\\uDC00'\'' near '\''\"\\udc00\"'\''\n"}
{"rc":-22}
EOF'
raw_is "JSON nested 5000 deep" "b'$(head -c 5000 /dev/zero | tr '\0' '[')\n'" \
	'{"err":"apsimd: malformed request: invalid JSON: maximum parsing depth reached near '\''['\''\n"}
{"rc":-22}
EOF'
check_eq "500 lines of random bytes: each gets an error and EOF" "500" \
	"$(client fuzz "$SOCK" 500 310)"
check "the daemon is alive" kill -0 "$APSIMD_PID"
check_eq "and serves the tree" "CEX8C" "$(cat "$MNT/devices/ap/card03/type")"
stop_apsimd TERM
check_eq "it stops with exit 0" "0" "$?"

# await_file -e|-s FILE: waits (at most 10 s) until FILE exists (-e) or has content (-s)
await_file() {
	_i=0
	while [ ! "$1" "$2" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}

# --- over the limit: a daemon whose timeout leaves time to look ---
start_apsimd --client-timeout 20 --no-netlink || bail_out "apsimd did not start again"
mkdir -p "$T/hold"
client hold "$SOCK" 64 "$T/hold" &
holder=$!
await_file -e "$T/hold/ready"
check_run "the 65th client (apsim --socket) is told 'busy'" "$APSIM" --socket "$SOCK" \
	read devices/ap/card03/type <<'EOF'
-- stderr
apsimd: busy: 64 connections are served already (the limit); try again later
-- rc 1
EOF
raw_is "the 65th client's raw answer ends with EOF, not a reset" "b'{\"op\":\"info\"}\n'" \
	'{"err":"apsimd: busy: 64 connections are served already (the limit); try again later\n"}
{"rc":-16}
EOF'
check_eq "a 65th client that sends nothing gets it too, and EOF within about 1 s" \
	'{"err":"apsimd: busy: 64 connections are served already (the limit); try again later\n"}
{"rc":-16}
EOF
after 0.5 to 3 s' "$(client timed "$SOCK" 0.5 3)"
touch "$T/hold/release"
wait "$holder"
check_eq "once they are gone the next client is served" "CEX8C" \
	"$(apsim_remote read devices/ap/card03/type)"

# --- event followers have a budget of their own: they cannot lock the commands out ---
mkdir -p "$T/follow"
client follow "$SOCK" 64 "$T/follow" &
follower=$!
await_file -s "$T/follow/ready"
check_eq "64 event followers are registered" "64" "$(cat "$T/follow/ready")"
check_eq "with 64 followers, a command is still served" "CEX8C" \
	"$(apsim_remote read devices/ap/card03/type)"
raw_is "the 65th follower is told 'busy', then EOF" \
	"b'{\"argv\":[\"events\",\"--follow\"]}\n'" \
	'{"err":"apsimd: busy: 64 event followers are served already (the limit); try again later\n"}
{"rc":-16}
EOF'
mkdir -p "$T/hold2"
client hold "$SOCK" 64 "$T/hold2" &
holder=$!
await_file -e "$T/hold2/ready"
raw_is "64 followers and 64 idle connections: the next command is told 'busy'" \
	"b'{\"op\":\"info\"}\n'" \
	'{"err":"apsimd: busy: 64 connections are served already (the limit); try again later\n"}
{"rc":-16}
EOF'
touch "$T/hold2/release" "$T/follow/release"
wait "$holder" "$follower"
check_eq "once the followers are gone, a follower is served again" '{"seqnum":' \
	"$(printf '%s\n' '{"argv":["events","--follow"],"sync":true}' |
		timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); print(s.recv(4096)[:10].decode())' "$SOCK")"
stop_apsimd TERM
check_eq "the second daemon stops with exit 0" "0" "$?"

done_testing
