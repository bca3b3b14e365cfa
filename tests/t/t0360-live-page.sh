#!/bin/sh
# SPDX-License-Identifier: MIT
# t0360-live-page.sh - `apsimd --http PORT`: the AP matrix as a live page, read by a real
# headless Chromium (Debian's `chromium`, installed by scripts/chromium.sh) through the
# DevTools protocol (tests/t/cdp.py): the cells and guest colours are in the DOM, and a
# configuration change, an assignment and a guest start show up without a reload, each
# within a second. Bad requests get 400/404/405 and the daemon goes on; a non-loopback
# address is refused unless --http-remote asks for it. The screenshot is kept in
# BUILD_DIR/test-artifacts/live-page.png.
. "$(dirname "$0")/lib.sh"

need_apsimd
command -v chromium >/dev/null 2>&1 || skip_all "chromium not installed (scripts/chromium.sh)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 missing"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP=$(free_port)
DEVTOOLS=$(free_port)
CDP="python3 $SRCDIR/tests/t/cdp.py $DEVTOOLS"
U=11111111-1111-4111-8111-111111111111
mx=devices/vfio_ap/matrix/$U

# refused before anything starts
mkdir -p "$T/m1" "$T/m2"
"$APSIMD" --mount "$T/m1" --socket "$T/x.sock" --foreground --no-netlink --http 0.0.0.0:$HTTP \
	>"$T/remote.log" 2>&1
check_eq "a non-loopback address is refused without --http-remote" \
	"1|apsimd: --http 0.0.0.0:$HTTP: not a loopback address; the page has no access control, add --http-remote to serve it beyond this machine anyway" \
	"$?|$(cat "$T/remote.log")"
"$APSIMD" --mount "$T/m2" --socket "$T/y.sock" --foreground --no-netlink --http 70000 >"$T/port.log" 2>&1
check_eq "a bad port is refused" \
	"1|apsimd: --http 70000: expected PORT or ADDR:PORT (IPv4, port 1-65535)" "$?|$(cat "$T/port.log")"

start_apsimd --no-netlink --http "$HTTP" || bail_out "apsimd did not start"

get() { python3 - "$HTTP" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), "|", body.decode(errors="replace").strip())
PY
}
check_eq "unknown path: 404" \
	"HTTP/1.1 404 Not Found | 404 Not Found: expected /, /matrix.svg or /matrix.json" \
	"$(get 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n')"
check_eq "garbage: 400" \
	"HTTP/1.1 400 Bad Request | 400 Bad Request: expected 'GET /PATH HTTP/1.1'" \
	"$(get 'GARBAGE\r\n\r\n')"
check_eq "POST: 405" \
	"HTTP/1.1 405 Method Not Allowed | 405 Method Not Allowed: only GET is served" \
	"$(get 'POST / HTTP/1.1\r\n\r\n')"
check_eq "a query other than guest: 400" \
	"HTTP/1.1 400 Bad Request | 400 Bad Request: the only query is ?guest=NAME (a guest's name)" \
	"$(get 'GET /matrix.svg?x=1 HTTP/1.1\r\n\r\n')"
check_eq "an unknown guest: 404" \
	"HTTP/1.1 404 Not Found | 404 Not Found: no running guest with that name and an mdev" \
	"$(get 'GET /matrix.json?guest=nobody HTTP/1.1\r\n\r\n')"
check_eq "a NUL byte: 400" "HTTP/1.1 400 Bad Request | 400 Bad Request: NUL byte in the request" \
	"$(get 'GET /\0 HTTP/1.1\r\n\r\n')"
python3 -c "import socket; s=socket.create_connection(('127.0.0.1',$HTTP)); s.sendall(b'GET /'+b'a'*9000); print(s.recv(200).split(b'\r\n')[0].decode())" >"$T/big" 2>&1
check_eq "a 9000-byte request head: 431" "HTTP/1.1 431 Request Header Fields Too Large" "$(cat "$T/big")"
check "the daemon is still there" kill -0 "$APSIMD_PID"
check_eq "matrix.json parses: 5 adapters x 4 domains" "20" \
	"$(python3 -c "import json,urllib.request; print(len(json.load(urllib.request.urlopen('http://127.0.0.1:$HTTP/matrix.json'))))")"

with_timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chromium" \
	--remote-debugging-port="$DEVTOOLS" --window-size=900,700 "http://127.0.0.1:$HTTP/" \
	>"$T/chromium.log" 2>&1 &
CHROMIUM_PID=$!
cell() { echo "document.querySelector('[data-apqn=\"$1\"]').getAttribute('$2')"; }
check "the page loads and shows 03.0006 owned by the default driver" \
	$CDP wait "$(cell 03.0006 data-state)" '"online"' 30
check_eq "5 rows x 4 columns of cells" '20' "$($CDP eval "document.querySelectorAll('rect.apqn').length")"
check_eq "the control-domain-only column 0f is blank" '"unconfigured"' \
	"$($CDP eval "$(cell 0a.000f data-state)")"
check_eq "tooltip of 03.0006" '"03.0006 CEX8C cca: online, cex4queue, control domain"' \
	"$($CDP eval "document.querySelector('[data-apqn=\"03.0006\"] title').textContent")"

# the changes, each seen within a second without a reload
$CDP eval "window.apsimMarker = 42" >/dev/null
apsim_remote write bus/ap/apmask -3 >/dev/null
check "apmask -3: 03.0006 free for vfio_ap within 1 s" $CDP wait "$(cell 03.0006 data-state)" '"free"' 1
apsim_remote mdev create $U >/dev/null
apsim_remote write $mx/assign_adapter 3 >/dev/null
apsim_remote write $mx/assign_domain 6 >/dev/null
check "assigned: 03.0006 in the mdev within 1 s" $CDP wait "$(cell 03.0006 data-state)" '"mdev"' 1
apsim_remote guest start web $U >/dev/null
check "guest start: 03.0006 in guest web within 1 s" $CDP wait "$(cell 03.0006 data-guest)" '"web"' 1
check_eq "the guest's colour" '"#b05fc9"' "$($CDP eval "$(cell 03.0006 fill)")"
check_eq "the legend names the guest in the same colour" '"#b05fc9"' \
	"$($CDP eval "document.querySelector('g.legend[data-guest=\"web\"] rect').getAttribute('fill')")"
check_eq "03.000b stayed free" '"free"' "$($CDP eval "$(cell 03.000b data-state)")"
check_eq "no reload happened" '42' "$($CDP eval "window.apsimMarker")"
mkdir -p "$BUILD_DIR/test-artifacts"
check "screenshot kept" $CDP screenshot "$BUILD_DIR/test-artifacts/live-page.png"
check "the screenshot is a PNG" sh -c "head -c 8 '$BUILD_DIR/test-artifacts/live-page.png' | od -An -c | grep -q 'P   N   G'"
kill "$CHROMIUM_PID" 2>/dev/null
wait "$CHROMIUM_PID" 2>/dev/null
check "apsimd stops cleanly with the page on" stop_apsimd
done_testing
