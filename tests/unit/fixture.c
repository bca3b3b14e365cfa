/* SPDX-License-Identifier: MIT */
/*
 * fixture.c - the cmocka fixture the unit tests share (fixture.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#include "bus/bus-internal.h"
#include "kvm/guest-internal.h"
#include "vfio_ap/vfio_ap-internal.h"
#include "vfio_ap/vfio_ap-private.h"
#include "script/script-internal.h"
#include "zcrypt/zcdn-internal.h"

/* --- setup and teardown ------------------------------------------------------------ */

struct fixture_options {
	bool machine; /* an empty machine */
	bool bus;     /* a tree, a uevent log and the host bus over the machine */
	bool zcrypt;  /* the default drivers on the bus */
	bool vfio_ap; /* vfio_ap on the bus, then a first scan */
	enum apsim_policy policy;
	unsigned quirks;
	bool zcdn; /* a tree, a uevent log and class/zcrypt, no machine */
	enum fixture_events events;
};

static int setup_with(void **state, const struct fixture_options *o)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->events = o->events;
	if (o->machine) {
		assert_int_equal(apsim_machine_new_empty(&f->m), 0);
		apsim_machine_set_notify(f->m, false);
	}
	assert_int_equal(apsim_clock_new_virtual(&f->clock), 0);
	if (o->bus || o->zcdn) {
		assert_int_equal(apsim_tree_new(&f->tree), 0);
		assert_int_equal(apsim_uevent_log_new(&f->log), 0);
	}
	if (o->bus) {
		struct apsim_bus_config cfg = {
		    .name = "host",
		    .ops = apsim_machine_ap_ops(),
		    .ops_ctx = f->m,
		    .tree = f->tree,
		    .uevents = f->log,
		    .clock = f->clock,
		    .domain_param = -1,
		};

		assert_int_equal(apsim_bus_new(&cfg, &f->bus), 0);
	}
	if (o->zcrypt)
		assert_int_equal(apsim__zcrypt_new(f->bus, &f->zc), 0);
	if (o->vfio_ap) {
		assert_int_equal(apsim__vfio_ap_new(f->bus, o->policy, o->quirks, &f->v), 0);
		assert_int_equal(apsim_bus_scan(f->bus), 0);
	}
	if (o->zcdn)
		assert_int_equal(apsim__zcdn_new(f->tree, f->log, f->clock, &f->z), 0);
	*state = f;
	return 0;
}

int fixture_setup_machine(void **state)
{
	return setup_with(state, &(struct fixture_options){.machine = true});
}

int fixture_setup_bus(void **state)
{
	return setup_with(state,
			  &(struct fixture_options){.machine = true, .bus = true, .zcrypt = true});
}

int fixture_setup_bus_nodrivers(void **state)
{
	return setup_with(state, &(struct fixture_options){.machine = true, .bus = true});
}

int fixture_setup_zcrypt(void **state)
{
	return setup_with(state, &(struct fixture_options){
				     .machine = true,
				     .bus = true,
				     .zcrypt = true,
				     .events = FIXTURE_EVENTS_FIRST,
				 });
}

static int setup_vfio_ap(void **state, enum apsim_policy policy, unsigned quirks)
{
	return setup_with(state, &(struct fixture_options){
				     .machine = true,
				     .bus = true,
				     .zcrypt = true,
				     .vfio_ap = true,
				     .policy = policy,
				     .quirks = quirks,
				     .events = FIXTURE_EVENTS_LIST,
				 });
}

int fixture_setup_vfio_ap(void **state)
{
	return setup_vfio_ap(state, APSIM_POLICY_KERNEL, 0);
}

int fixture_setup_vfio_ap_legacy(void **state)
{
	return setup_vfio_ap(state, APSIM_POLICY_LEGACY, 0);
}

int fixture_setup_vfio_ap_coalesced(void **state)
{
	return setup_vfio_ap(state, APSIM_POLICY_COALESCED, 0);
}

int fixture_setup_vfio_ap_quirks(void **state)
{
	return setup_vfio_ap(state, APSIM_POLICY_KERNEL, APSIM_QUIRK_MAINLINE);
}

int fixture_setup_zcdn(void **state)
{
	return setup_with(state, &(struct fixture_options){.zcdn = true});
}

int fixture_setup_sim(void **state)
{
	struct apsim_sim_options opts = {.machine = "empty", .policy = APSIM_POLICY_KERNEL};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(apsim_sim_new(&opts, stderr, &f->sim), 0);
	*state = f;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0; i < 4; i++) {
		if (!f->guests[i])
			continue;
		apsim__vfio_ap_close_device(f->v, f->guests[i]);
		apsim__guest_free(f->guests[i]);
	}
	if (f->g && f->tree == f->g->tree)
		f->tree = NULL; /* the guest's own, freed with it */
	apsim__guest_free(f->g);
	apsim__zcdn_free(f->z);
	apsim__vfio_ap_free(f->v);
	apsim__zcrypt_free(f->zc);
	apsim_bus_free(f->bus);
	apsim_uevent_log_free(f->log);
	apsim_tree_free(f->tree);
	apsim_clock_free(f->clock);
	apsim_machine_free(f->m);
	apsim_sim_free(f->sim);
	free(f->out);
	free(f->err);
	free(f);
	return 0;
}

/* --- commands on the model --------------------------------------------------------- */

/* what the next command prints goes to f->out and f->err */
static void capture(struct fixture *f, FILE **o, FILE **e, size_t *ol, size_t *el)
{
	free(f->out);
	free(f->err);
	f->out = f->err = NULL;
	*o = open_memstream(&f->out, ol);
	*e = open_memstream(&f->err, el);
	assert_non_null(*o);
	assert_non_null(*e);
}

int fixture_run_where(struct fixture *f, const char *where, bool json, const char *line)
{
	size_t ol = 0, el = 0;
	FILE *o, *e;
	int r;

	capture(f, &o, &e, &ol, &el);
	apsim_sim_lock(f->sim);
	r = apsim__command_run_line(f->sim, line, json, o, e, where);
	apsim_sim_unlock(f->sim);
	fclose(o);
	fclose(e);
	return r;
}

int fixture_run_scenario(struct fixture *f, const char *name, const char *text)
{
	size_t ol = 0, el = 0;
	FILE *o, *e;
	int r;

	capture(f, &o, &e, &ol, &el);
	apsim_sim_lock(f->sim);
	r = apsim__scenario_run_buffer(f->sim, name, text, strlen(text), false, o, e,
				       apsim__command_run_line);
	apsim_sim_unlock(f->sim);
	fclose(o);
	fclose(e);
	return r;
}

int fixture_run(struct fixture *f, const char *line)
{
	return fixture_run_where(f, NULL, false, line);
}

void fixture_run_ok(struct fixture *f, const char *line)
{
	int r = fixture_run(f, line);

	if (r != 0)
		fail_msg("'%s' failed (%d): %s", line, r, f->err);
}

/* --- the machine ------------------------------------------------------------------- */

void card_add(struct fixture *f, unsigned apid, const char *type)
{
	struct apsim_card_spec spec;

	assert_int_equal(apsim_card_type_parse(type, &spec), 0);
	assert_int_equal(apsim_machine_card_add(f->m, apid, &spec), 0);
}

void ids(const char *list, struct apsim_mask *ret)
{
	apsim_mask_zero(ret);
	if (*list)
		assert_int_equal(apsim_mask_parse_list(list, ret), 0);
}

void lpar(struct fixture *f, enum apsim_lpar_set set, bool add, const char *list)
{
	struct apsim_mask m;

	ids(list, &m);
	assert_int_equal(apsim_machine_lpar_change(f->m, set, add, &m), 0);
}

/* --- the tree ---------------------------------------------------------------------- */

static const char *tree_rd(struct fixture *f, struct apsim_tree *t, const char *path)
{
	ssize_t n = apsim_tree_read(t, path, f->buf, APSIM_SYSFS_PAGE);

	if (n < 0) {
		snprintf(f->buf, sizeof(f->buf), "<error %zd>", n);
		return f->buf;
	}
	f->buf[n] = '\0';
	return f->buf;
}

const char *rd(struct fixture *f, const char *path)
{
	return tree_rd(f, f->tree, path);
}

const char *grd(struct fixture *f, struct apsim_guest *g, const char *path)
{
	return tree_rd(f, g->tree, path);
}

ssize_t wr(struct fixture *f, const char *path, const char *s)
{
	return apsim_tree_write(f->tree, path, s, strlen(s));
}

void wr_ok(struct fixture *f, const char *path, const char *s)
{
	assert_int_equal(wr(f, path, s), (ssize_t) strlen(s));
}

const char *lnk(struct fixture *f, const char *path)
{
	int r = apsim_tree_readlink(f->tree, path, f->buf, sizeof(f->buf));

	if (r < 0)
		snprintf(f->buf, sizeof(f->buf), "<error %d>", r);
	return f->buf;
}

bool exists(struct fixture *f, const char *path)
{
	struct apsim_node_info info;

	return apsim_tree_lookup(f->tree, path, &info) == 0;
}

/* --- uevents ----------------------------------------------------------------------- */

void mark(struct fixture *f)
{
	f->mark = apsim_uevent_log_count(f->log);
}

size_t nevents(struct fixture *f)
{
	return apsim_uevent_log_count(f->log) - f->mark;
}

static void ev_format(const struct fixture *f, const struct apsim_uevent *ev, char *out, size_t len)
{
	size_t off;

	switch (f->events) {
	case FIXTURE_EVENTS_ENV:
		off = (size_t) snprintf(out, len, "%s %s %s", apsim_uevent_action_name(ev->action),
					ev->devpath, ev->subsystem);
		for (unsigned i = 0; i < ev->n_env && off < len; i++) {
			const char *e = ev->env[i];

			if (!strncmp(e, "ACTION=", 7) || !strncmp(e, "DEVPATH=", 8) ||
			    !strncmp(e, "SUBSYSTEM=", 10) || !strncmp(e, "SEQNUM=", 7))
				continue;
			off += (size_t) snprintf(out + off, len - off, "|%s", e);
		}
		break;
	case FIXTURE_EVENTS_LIST:
		off = (size_t) snprintf(out, len, "%s %s|", apsim_uevent_action_name(ev->action),
					ev->devpath);
		/* env[0..2] are ACTION, DEVPATH, SUBSYSTEM; the last is SEQNUM */
		for (unsigned k = 3; k + 1 < ev->n_env && off < len; k++)
			off += (size_t) snprintf(out + off, len - off, "%s%s", k > 3 ? "," : "",
						 ev->env[k]);
		break;
	case FIXTURE_EVENTS_FIRST:
		/* env[3] is the first extra variable (after ACTION, DEVPATH, SUBSYSTEM) */
		snprintf(out, len, "%s %s|%s", apsim_uevent_action_name(ev->action), ev->devpath,
			 ev->n_env > 3 ? ev->env[3] : "");
		break;
	}
}

void expect_events(struct fixture *f, ...)
{
	char got[1024];
	const char *want;
	size_t i = f->mark;
	va_list ap;

	va_start(ap, f);
	while ((want = va_arg(ap, const char *))) {
		if (i >= apsim_uevent_log_count(f->log))
			fail_msg("missing event #%zu: %s", i - f->mark, want);
		ev_format(f, apsim_uevent_log_get(f->log, i), got, sizeof(got));
		assert_string_equal(got, want);
		i++;
	}
	va_end(ap);
	if (i != apsim_uevent_log_count(f->log)) {
		ev_format(f, apsim_uevent_log_get(f->log, i), got, sizeof(got));
		fail_msg("unexpected extra event: %s", got);
	}
	f->mark = i;
}

const char *next_event(struct fixture *f)
{
	const struct apsim_uevent *ev;
	size_t n;

	assert_true(nevents(f) > 0);
	ev = apsim_uevent_log_get(f->log, f->mark++);
	n = (size_t) snprintf(f->env, sizeof(f->env), "%s %s |",
			      apsim_uevent_action_name(ev->action), ev->devpath);
	for (unsigned i = 0; i < ev->n_env; i++)
		if (strncmp(ev->env[i], "SEQNUM=", 7) != 0)
			n += (size_t) snprintf(f->env + n, sizeof(f->env) - n, " %s", ev->env[i]);
	return f->env;
}

/* --- the AP bus -------------------------------------------------------------------- */

void basic_machine(struct fixture *f)
{
	card_add(f, 4, "CEX8C");
	lpar(f, APSIM_LPAR_ADAPTER, true, "4");
	lpar(f, APSIM_LPAR_DOMAIN, true, "5,0x20");
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, true, "5,0x20,0x21");
}

static const struct apsim_device_id testdrv_ids[] = {
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX8},
    {.match_flags = APSIM_DEVICE_ID_MATCH_QUEUE_TYPE, .dev_type = APSIM_AP_TYPE_CEX7},
    {0},
};

static struct testdrv *to_td(struct apsim_driver *drv)
{
	return container_of(drv, struct testdrv, drv);
}

static int td_probe(struct apsim_device *dev)
{
	struct testdrv *td = to_td(apsim_device_get_driver(dev));

	td->n_probe++;
	return td->probe_result;
}

static void td_remove(struct apsim_device *dev)
{
	to_td(apsim_device_get_driver(dev))->n_remove++;
}

static int td_in_use(struct apsim_driver *drv, const struct apsim_mask *apm,
		     const struct apsim_mask *aqm)
{
	struct testdrv *td = to_td(drv);

	td->n_in_use++;
	td->in_use_apm = *apm;
	td->in_use_aqm = *aqm;
	return td->in_use_result;
}

static void td_config_changed(struct apsim_driver *drv, const struct apsim_qci *n,
			      const struct apsim_qci *o)
{
	struct testdrv *td = to_td(drv);

	td->n_config_changed++;
	td->cc_new = *n;
	td->cc_old = *o;
	td->ev_at_config_changed = apsim_uevent_log_count(td->f->log);
}

static void td_scan_complete(struct apsim_driver *drv, const struct apsim_qci *n,
			     const struct apsim_qci *o)
{
	struct testdrv *td = to_td(drv);

	td->n_scan_complete++;
	td->sc_new = *n;
	td->sc_old = *o;
	td->ev_at_scan_complete = apsim_uevent_log_count(td->f->log);
}

void testdrv_init(struct testdrv *td, struct fixture *f)
{
	memset(td, 0, sizeof(*td));
	td->f = f;
	td->drv.name = "testdrv";
	td->drv.ids = testdrv_ids;
	td->drv.flags = 0;
	td->drv.probe = td_probe;
	td->drv.remove = td_remove;
	td->drv.in_use = td_in_use;
	td->drv.on_config_changed = td_config_changed;
	td->drv.on_scan_complete = td_scan_complete;
}

/* --- vfio_ap ----------------------------------------------------------------------- */

void host(struct fixture *f)
{
	card_add(f, 4, "CEX8C");
	card_add(f, 5, "CEX8C");
	card_add(f, 6, "CEX8C");
	lpar(f, APSIM_LPAR_ADAPTER, true, "4,5");
	lpar(f, APSIM_LPAR_DOMAIN, true, "0x20,0x21");
	lpar(f, APSIM_LPAR_CONTROL_DOMAIN, true, "0x20");
	assert_int_equal(apsim_bus_scan(f->bus), 1);
	assert_int_equal(apsim_bus_set_apmask(f->bus, "-4-6"), 0);
}

struct apsim_guest *guest_start(struct fixture *f, unsigned slot, const char *name,
				const char *uuid)
{
	struct apsim_guest *g;

	assert_int_equal(apsim__guest_new(name, f->m, f->clock, &g), 0);
	assert_int_equal(apsim__vfio_ap_open_device(f->v, uuid, g), 0);
	f->guests[slot] = g;
	return g;
}

void guest_stop(struct fixture *f, unsigned slot)
{
	apsim__vfio_ap_close_device(f->v, f->guests[slot]);
	apsim__guest_free(f->guests[slot]);
	f->guests[slot] = NULL;
}

const char *mask_str(const struct apsim_mask *m, char buf[APSIM_MASK_STRLEN])
{
	apsim_mask_format(m, buf, APSIM_MASK_STRLEN);
	return buf;
}

void expect_apcb(struct apsim_guest *g, const char *apm, const char *aqm, const char *adm)
{
	struct apsim_mask m;
	char want[APSIM_MASK_STRLEN], got[APSIM_MASK_STRLEN];

	ids(apm, &m);
	assert_string_equal(mask_str(&g->apm, got), mask_str(&m, want));
	ids(aqm, &m);
	assert_string_equal(mask_str(&g->aqm, got), mask_str(&m, want));
	ids(adm, &m);
	assert_string_equal(mask_str(&g->adm, got), mask_str(&m, want));
}

struct vfio_ap_queue *vq(struct fixture *f, unsigned apid, unsigned apqi)
{
	return apsim__vfio_ap_find_queue(f->v, APSIM_QID(apid, apqi));
}

void invariants_hold(struct fixture *f)
{
	char msg[256];

	assert_int_equal(apsim__vfio_ap_check_invariants(f->v, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
}
