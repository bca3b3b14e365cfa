#!/bin/sh
# SPDX-License-Identifier: MIT
# t0370-machine-import.sh - `apsim machine import DIR` (docs/machine.md): the machine JSON of a
# copy of a real system's /sys. Several machines, written by `apsim dump`, imported back, give
# the same machine (`machine show --json` byte for byte: every attribute the import reads).
# A copy that lacks a file the import needs is refused with a message naming that file.
. "$(dirname "$0")/lib.sh"

need_apsim

# roundtrip NAME MACHINE-ARGS SCENARIO-LINES: dump the machine, import it, compare
roundtrip() {
	_name=$1
	_margs=$2
	mkdir -p "$T/$_name"
	printf '%s\n' "$3" "dump $T/$_name/sys" >"$T/$_name/build.scn"
	printf '%s\n' "$3" "machine show --json" >"$T/$_name/show.scn"
	# shellcheck disable=SC2086
	"$APSIM" $_margs run "$T/$_name/build.scn" >/dev/null &&
		"$APSIM" $_margs run "$T/$_name/show.scn" >"$T/$_name/want.json" &&
		"$APSIM" machine import "$T/$_name/sys" --out "$T/$_name/imported.json" &&
		"$APSIM" --machine "$T/$_name/imported.json" machine show --json >"$T/$_name/got.json"
	check "$_name: imported machine equals the original" cmp "$T/$_name/want.json" "$T/$_name/got.json"
}

roundtrip builtin "" ""
# the lab machine from a file: the bus takes na/nd and the flags once, at its start
cat >"$T/lab.json" <<'EOF2'
{
  "qci": true,
  "flags": ["APSC", "QACT"],
  "max_adapter_id": 63,
  "max_domain_id": 15,
  "cards": [
    {"apid": 4, "type": "CEX7C", "serial": "LAB00004", "depth": 3, "ml": 4},
    {"apid": 7, "type": "CEX8P", "config": false},
    {"apid": 9, "type": "CEX6A", "checkstop": true},
    {"apid": 12, "type": "CEX4C", "functions": "0x90000000"}
  ],
  "lpar": {"adapters": "4,7,9,12", "domains": "1,2,14", "control_domains": "1,15"}
}
EOF2
roundtrip lab "--machine $T/lab.json" ""
roundtrip big "--machine empty" "machine card add 0 CEX8C
machine card add 255 CEX8A
machine lpar add adapter 0,255
machine lpar add domain 0-84
machine flags APSC,APXA,QACT,RC8A,APSB
scan"
check_eq "the lab machine's limits and flags come back from ap_max_*_id and features" \
	"63 15 ['APSC', 'QACT']" \
	"$(python3 -c "import json; m = json.load(open('$T/lab/imported.json')); print(m['max_adapter_id'], m['max_domain_id'], m['flags'])")"

# a copy under sys/ of a support bundle is found too
mkdir -p "$T/bundle"
cp -r "$T/builtin/sys" "$T/bundle/sys"
check "a directory holding sys/ imports" "$APSIM" machine import "$T/bundle" --out "$T/bundle.json"

# incomplete copies
rm "$T/bundle/sys/bus/ap/ap_usage_domain_mask"
check_run "a copy without ap_usage_domain_mask is refused, naming the file" \
	"$APSIM" machine import "$T/bundle" <<EOF2
-- stderr
apsim: machine import: $T/bundle/sys/bus/ap/ap_usage_domain_mask: No such file or directory (a copy of /sys/bus/ap/ap_usage_domain_mask is needed)
-- rc 1
EOF2
cp "$T/builtin/sys/bus/ap/ap_usage_domain_mask" "$T/bundle/sys/bus/ap/"
rm "$T/bundle/sys/devices/ap/card05/ap_functions"
check_run "a card without ap_functions is refused, naming the file" \
	"$APSIM" machine import "$T/bundle" <<EOF2
-- stderr
apsim: machine import: $T/bundle/sys/devices/ap/card05/ap_functions: No such file or directory (a copy of /sys/devices/ap/card05/ap_functions is needed)
-- rc 1
EOF2
echo nonsense >"$T/bundle/sys/devices/ap/card05/ap_functions"
check_run "a file with nonsense is refused, naming it" \
	"$APSIM" machine import "$T/bundle" <<EOF2
-- stderr
apsim: machine import: $T/bundle/sys/devices/ap/card05/ap_functions: 'nonsense' is not a number
-- rc 1
EOF2
check_run "no copy at all" "$APSIM" machine import "$T/nothing" <<EOF2
-- stderr
apsim: machine import: $T/nothing/bus/ap/ap_adapter_mask: No such file or directory (a copy of /sys/bus/ap/ap_adapter_mask is needed)
-- rc 1
EOF2
done_testing
