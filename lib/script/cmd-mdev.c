/* SPDX-License-Identifier: MIT */
/*
 * cmd-mdev.c - vfio_ap mdevs: create, remove, list, show, the VFIO ioctls, and the
 * config-change eventfd expectation.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/command-internal.h"

static void random_uuid(char *buf)
{
	unsigned char b[16];
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(b, 1, sizeof(b), f) != sizeof(b)) {
		static unsigned seed;

		if (!seed)
			seed = (unsigned) time(NULL) ^ (unsigned) (uintptr_t) buf;
		for (size_t i = 0; i < sizeof(b); i++) {
			seed = seed * 1103515245u + 12345u;
			b[i] = (unsigned char) (seed >> 16);
		}
	}
	if (f)
		fclose(f);
	b[6] = (unsigned char) ((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char) ((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	sprintf(buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		b[14], b[15]);
}

int apsim__cmd_mdev_create(struct ctx *c, int argc, char **argv)
{
	char uuid[37];
	int r;

	if (argc)
		snprintf(uuid, sizeof(uuid), "%s", argv[0]);
	else
		random_uuid(uuid);
	if (argc && strlen(argv[0]) >= sizeof(uuid))
		return apsim__cmd_usage_error(c, "%s: bad UUID '%s'", c->name, argv[0]);
	r = apsim__vfio_ap_mdev_create(c->sim->vfio_ap, uuid);
	if (r == -EINVAL)
		return apsim__cmd_usage_error(
		    c, "%s: bad UUID '%s' (expected e.g. 5f0b9c4e-1111-4c22-9a33-0123456789ab)",
		    c->name, uuid);
	if (r == -EEXIST)
		return apsim__cmd_fail(c, r, "%s: mdev %s exists", c->name, uuid);
	if (r < 0)
		return apsim__cmd_fail_errno(c, r);
	if (!argc)
		fprintf(c->out, "%s\n", uuid);
	return 0;
}

int apsim__cmd_mdev_remove(struct ctx *c, int argc, char **argv)
{
	int r;

	(void) argc;
	r = apsim__vfio_ap_mdev_remove(c->sim->vfio_ap, argv[0]);
	if (r == -ENODEV)
		return apsim__cmd_fail(c, r, "%s: no mdev %s", c->name, argv[0]);
	if (r == -EBUSY)
		return apsim__cmd_fail(c, r, "%s: mdev %s is in use by a guest", c->name, argv[0]);
	return r < 0 ? apsim__cmd_fail_errno(c, r) : 0;
}

static int count_mdev(const char *uuid, void *ctx)
{
	(void) uuid;
	(*(size_t *) ctx)++;
	return 0;
}

int apsim__cmd_mdev_list(struct ctx *c, int argc, char **argv)
{
	struct apsim_mdev_record *recs;
	size_t n = 0;
	json_t *array = NULL;

	(void) argc;
	(void) argv;
	apsim__vfio_ap_for_each_mdev(c->sim->vfio_ap, count_mdev, &n);
	recs = calloc(n + 1, sizeof(*recs));
	if (!recs)
		return apsim__cmd_fail_errno(c, -ENOMEM);
	n = apsim__vfio_ap_list_mdevs(c->sim->vfio_ap, recs, n);
	if (c->json) {
		array = json_array();
		if (!array) {
			free(recs);
			return apsim__cmd_fail_errno(c, -ENOMEM);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!array) {
			fprintf(c->out, "%s\n", recs[i].uuid);
			continue;
		}
		json_array_append_new(array, json_pack("{s:s, s:o, s:o, s:o}", "uuid", recs[i].uuid,
						       "apm", apsim__cmd_mask_json(&recs[i].apm), "aqm",
						       apsim__cmd_mask_json(&recs[i].aqm), "adm",
						       apsim__cmd_mask_json(&recs[i].adm)));
	}
	if (array) {
		(void) apsim__cmd_print_json(c, array);
	}
	free(recs);
	return 0;
}

/* spec 6.13: the VFIO ioctls of an mdev */
int apsim__cmd_mdev_ioctl(struct ctx *c, int argc, char **argv)
{
	struct apsim_vfio_ap *v = c->sim->vfio_ap;
	const char *uuid = argv[0], *name = argv[1];
	long index = 0, fd = 0;
	unsigned a, b, n;
	int nargs, r;

	if (strcmp(name, "get-info") == 0 || strcmp(name, "reset") == 0)
		nargs = 0;
	else if (strcmp(name, "get-irq-info") == 0)
		nargs = 1;
	else if (strcmp(name, "set-irqs") == 0)
		nargs = 2;
	else
		nargs = argc - 2;
	if (argc - 2 != nargs)
		return apsim__cmd_usage_error(c, "%s: %s takes %d argument(s)", c->name, name, nargs);
	if ((strcmp(name, "get-irq-info") == 0 || strcmp(name, "set-irqs") == 0) &&
	    apsim__cmd_parse_long(argv[2], &index) < 0)
		return apsim__cmd_usage_error(c, "%s: bad index '%s'", c->name, argv[2]);
	if (strcmp(name, "set-irqs") == 0 && apsim__cmd_parse_long(argv[3], &fd) < 0)
		return apsim__cmd_usage_error(c, "%s: bad fd '%s'", c->name, argv[3]);

	if (strcmp(name, "get-info") == 0)
		r = apsim__vfio_ap_ioctl_get_info(v, uuid, &a, &n, &b);
	else if (strcmp(name, "get-irq-info") == 0)
		r = apsim__vfio_ap_ioctl_get_irq_info(v, uuid, index, &a, &b);
	else if (strcmp(name, "set-irqs") == 0)
		r = apsim__vfio_ap_ioctl_set_irqs(v, uuid, index, fd);
	else if (strcmp(name, "reset") == 0)
		r = apsim__vfio_ap_ioctl_reset(v, uuid);
	else
		r = apsim__vfio_ap_ioctl_other(v, uuid);
	if (r == -ENODEV)
		return apsim__cmd_fail(c, r, "%s: no mdev %s", c->name, uuid);
	if (r == -EOPNOTSUPP)
		return apsim__cmd_fail(c, r, "%s: %s: not supported by vfio_ap", c->name, name);
	if (r == -EINVAL && strcmp(name, "set-irqs") == 0)
		return apsim__cmd_fail(c, r, "%s: set-irqs: bad index %ld or fd %ld", c->name, index, fd);
	if (r == -EINVAL)
		return apsim__cmd_fail(c, r, "%s: %s: bad index %ld", c->name, name, index);
	if (r == -EIO)
		return apsim__cmd_fail(c, r, "%s: reset: a queue reset failed", c->name);
	if (r < 0)
		return apsim__cmd_fail_errno(c, r);
	if (strcmp(name, "get-info") == 0)
		fprintf(c->out, "flags=AP,RESET num_regions=%u num_irqs=%u\n", n, b);
	else if (strcmp(name, "get-irq-info") == 0)
		fprintf(c->out, "count=%u flags=EVENTFD\n", a);
	return 0;
}

int apsim__cmd_mdev_show(struct ctx *c, int argc, char **argv)
{
	struct apsim_vfio_ap_triggers t;
	int r;

	(void) argc;
	r = apsim__vfio_ap_get_triggers(c->sim->vfio_ap, argv[0], &t);
	if (r == -ENODEV)
		return apsim__cmd_fail(c, r, "%s: no mdev %s", c->name, argv[0]);
	if (r < 0)
		return apsim__cmd_fail_errno(c, r);
	if (c->json) {
		/* {"uuid", "req_trigger": {"registered", "signals"}, "cfg_chg_trigger": {...}} */
		json_t *o = json_pack("{s:s, s:{s:b, s:I}, s:{s:b, s:I}}", "uuid", argv[0],
				      "req_trigger", "registered", t.req_registered, "signals",
				      (json_int_t) t.req_signals, "cfg_chg_trigger", "registered",
				      t.cfg_chg_registered, "signals", (json_int_t) t.cfg_chg_signals);

		if (!o)
			return apsim__cmd_fail_errno(c, -ENOMEM);
		return apsim__cmd_print_json(c, o);
	}
	fprintf(c->out, "mdev %s\n  req_trigger %s signals %llu\n  cfg_chg_trigger %s signals %llu\n",
		argv[0], t.req_registered ? "registered" : "none",
		(unsigned long long) t.req_signals, t.cfg_chg_registered ? "registered" : "none",
		(unsigned long long) t.cfg_chg_signals);
	return 0;
}

int apsim__cmd_expect_cfg_chg_signals(struct ctx *c, int argc, char **argv)
{
	struct apsim_vfio_ap_triggers t;
	unsigned long want;
	int r;

	(void) argc;
	if (apsim__cmd_parse_ulong(argv[1], ULONG_MAX, &want) < 0)
		return apsim__cmd_usage_error(c, "%s: bad count '%s'", c->name, argv[1]);
	r = apsim__vfio_ap_get_triggers(c->sim->vfio_ap, argv[0], &t);
	if (r == -ENODEV)
		return apsim__cmd_fail(c, r, "%s: no mdev %s", c->name, argv[0]);
	if (r < 0)
		return apsim__cmd_fail_errno(c, r);
	if (t.cfg_chg_signals == want)
		return 0;
	return apsim__cmd_expect_failed(c, "expected mdev %s to have %lu config-change signals, got %llu",
			     argv[0], want, (unsigned long long) t.cfg_chg_signals);
}
