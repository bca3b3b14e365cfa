/* SPDX-License-Identifier: MIT */
/*
 * fuzz-machine-json.c - libFuzzer target for the JSON machine loader (docs/machine.md): any
 * input either loads or fails with -EINVAL and a message naming the source; a machine that
 * loads saves to a description that loads again to the same description.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apsim/machine.h"
#include "machine/machine-json-internal.h"
#include "fuzz-check.h"

static char *save_text(const struct apsim_machine *m)
{
	json_t *root = NULL;
	char *s;

	CHECK(apsim__machine_json_save(m, &root) == 0);
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	CHECK(s != NULL);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apsim_machine *m = NULL, *m2 = NULL;
	char msg[512], msg2[512];
	char *s1, *s2;
	int r;

	if (size > 65536)
		return 0;
	r = apsim__machine_json_load_buffer((const char *) data, size, "fuzz.json", &m, msg,
					    sizeof(msg));
	if (r < 0) {
		CHECK(r == -EINVAL);
		CHECK(m == NULL);
		CHECK(strncmp(msg, "fuzz.json", 9) == 0);
		return 0;
	}
	CHECK(m != NULL);
	s1 = save_text(m);
	r = apsim__machine_json_load_buffer(s1, strlen(s1), "saved.json", &m2, msg2, sizeof(msg2));
	if (r < 0) {
		fprintf(stderr, "saved description does not load: %s\n%s\n", msg2, s1);
		abort();
	}
	s2 = save_text(m2);
	CHECK(strcmp(s1, s2) == 0);
	free(s1);
	free(s2);
	apsim_machine_free(m);
	apsim_machine_free(m2);
	return 0;
}
