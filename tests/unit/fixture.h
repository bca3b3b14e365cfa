/* SPDX-License-Identifier: MIT */
/*
 * fixture.h - the cmocka fixture the unit tests share: an empty emulated machine, a virtual
 * clock, a sysfs tree with its uevent log, the host AP bus with zcrypt and vfio_ap, and the
 * helpers that read, write and compare what they show.
 *
 * A test registers one of the fixture_setup_*() functions with fixture_teardown() and gets a
 * struct fixture in *state. Every helper asserts through cmocka, so a failing setup step fails
 * the test that needed it.
 */
#ifndef APSIM_TESTS_UNIT_FIXTURE_H
#define APSIM_TESTS_UNIT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "apsim/apsim.h"

struct apsim_guest;
struct apsim_vfio_ap;
struct apsim_zcdn;
struct apsim_zcrypt;
struct vfio_ap_queue;

/* How expect_events() renders an event: each module's tests compare their own form. */
enum fixture_events {
	FIXTURE_EVENTS_ENV,   /* "action devpath subsystem|K=V|K=V", the AP bus's: every variable
			       * but ACTION, DEVPATH, SUBSYSTEM and SEQNUM */
	FIXTURE_EVENTS_LIST,  /* "action devpath|K=V,K=V", vfio_ap's: the variables between
			       * SUBSYSTEM and the last (SEQNUM) */
	FIXTURE_EVENTS_FIRST, /* "action devpath|K=V", zcrypt's: the variable after SUBSYSTEM */
};

struct fixture {
	struct apsim_machine *m;	/* the empty machine, notifications off */
	struct apsim_clock *clock;	/* virtual */
	struct apsim_tree *tree;	/* what rd(), wr(), lnk() and exists() work on */
	struct apsim_uevent_log *log;	/* the tree's uevents */
	struct apsim_bus *bus;		/* the host AP bus over m */
	struct apsim_zcrypt *zc;	/* cex4card and cex4queue */
	struct apsim_vfio_ap *v;	/* vfio_ap */
	struct apsim_guest *guests[4];	/* guest_start()'s, attached to vfio_ap */
	struct apsim_guest *g;		/* a guest of its own; tree may be its tree */
	struct apsim_zcdn *z;		/* class/zcrypt */
	struct apsim_sim *sim;		/* fixture_setup_sim(): the whole model, empty machine */
	char *out, *err;		/* fixture_run*(): what the command printed */
	unsigned changes;		/* counted by a test's on_change hook */
	enum fixture_events events;	/* expect_events()' form */
	size_t mark;			/* the uevents before it are done with */
	char buf[APSIM_SYSFS_PAGE + 1]; /* rd(), grd() and lnk() results */
	char env[4096];			/* next_event()'s result */
};

/* --- setup and teardown ------------------------------------------------------------ */

int fixture_setup_machine(void **state);       /* machine and clock only */
int fixture_setup_bus(void **state);	       /* + tree, log, bus, zcrypt */
int fixture_setup_bus_nodrivers(void **state); /* the same without zcrypt */
int fixture_setup_zcrypt(void **state);	       /* fixture_setup_bus(), events FIRST */
int fixture_setup_vfio_ap(void **state);       /* + vfio_ap (kernel policy), one scan */
int fixture_setup_vfio_ap_legacy(void **state);
int fixture_setup_vfio_ap_coalesced(void **state);
int fixture_setup_vfio_ap_quirks(void **state); /* kernel policy, mainline quirks */
int fixture_setup_zcdn(void **state);		/* clock, tree, log and class/zcrypt */
int fixture_setup_sim(void **state);		/* a whole model (apsim_sim) on the empty machine */
int fixture_teardown(void **state);		/* frees whatever the setup made */

/* --- commands on the model (fixture_setup_sim) --------------------------------------- */

/* Runs one command line as apsim_sim_exec does, its stdout and stderr in f->out / f->err;
 * where is the scenario position messages start with (NULL: none). */
int fixture_run_where(struct fixture *f, const char *where, bool json, const char *line);
int fixture_run(struct fixture *f, const char *line);
void fixture_run_ok(struct fixture *f, const char *line); /* fails the test with f->err */
/* Runs text as the scenario file name (apsim__scenario_run_buffer), output as above. */
int fixture_run_scenario(struct fixture *f, const char *name, const char *text);

/* --- the machine ------------------------------------------------------------------- */

void card_add(struct fixture *f, unsigned apid, const char *type);
/* An id list ("" = none) as a mask. */
void ids(const char *list, struct apsim_mask *ret);
/* Adds (add) or removes the ids of list to or from an LPAR mask. */
void lpar(struct fixture *f, enum apsim_lpar_set set, bool add, const char *list);

/* --- the tree ---------------------------------------------------------------------- */

/* An attribute's contents in f->buf, or "<error -E>". */
const char *rd(struct fixture *f, const char *path);
/* The same from a guest's own tree. */
const char *grd(struct fixture *f, struct apsim_guest *g, const char *path);
/* write(2) of a C string: the result of the store. */
ssize_t wr(struct fixture *f, const char *path, const char *s);
/* The same, asserting that the whole string was taken. */
void wr_ok(struct fixture *f, const char *path, const char *s);
/* A link's target in f->buf, or "<error -E>". */
const char *lnk(struct fixture *f, const char *path);
bool exists(struct fixture *f, const char *path);

/* --- uevents ----------------------------------------------------------------------- */

void mark(struct fixture *f);
/* How many events came since the mark. */
size_t nevents(struct fixture *f);
/* The events since the mark, exactly, in f->events' form (NULL-terminated), then moves it. */
void expect_events(struct fixture *f, ...);
/* The next event since the mark, "action devpath | env1 env2 ..." (SEQNUM left out). */
const char *next_event(struct fixture *f);

/* --- the AP bus -------------------------------------------------------------------- */

/* card 4 CEX8C with domains 5 and 0x20, control domains 5, 0x20 and 0x21, not scanned */
void basic_machine(struct fixture *f);

#define CARD4	    "DEVTYPE=ap_card|DEV_TYPE=000E|MODALIAS=ap:t0E|MODE=cca"
#define CARD4_BOUND "DEVTYPE=ap_card|DRIVER=cex4card|DEV_TYPE=000E|MODALIAS=ap:t0E|MODE=cca"

/* A test driver for CEX8 and CEX7 queues that records its callbacks. */
struct testdrv {
	struct apsim_driver drv;
	struct fixture *f;
	int n_config_changed, n_scan_complete;
	size_t ev_at_config_changed, ev_at_scan_complete;
	struct apsim_qci cc_new, cc_old, sc_new, sc_old;
	int in_use_result;
	int n_in_use;
	struct apsim_mask in_use_apm, in_use_aqm;
	int n_probe, n_remove;
	int probe_result;
};

void testdrv_init(struct testdrv *td, struct fixture *f);

/* --- vfio_ap ----------------------------------------------------------------------- */

#define U1	      "11111111-1111-4111-8111-111111111111"
#define U2	      "22222222-2222-4222-8222-222222222222"
#define MDEV(u, attr) "devices/vfio_ap/matrix/" u "/" attr
#define Z62	      "00000000000000000000000000000000000000000000000000000000000000"

/*
 * The usual host: CEX8C cards 4 and 5 (and 6 installed but not configured), domains 0x20 and
 * 0x21, control domain 0x20; adapters 4-6 released from zcrypt.
 */
void host(struct fixture *f);
/* A new guest in f->guests[slot], attached to the mdev uuid. */
struct apsim_guest *guest_start(struct fixture *f, unsigned slot, const char *name,
				const char *uuid);
void guest_stop(struct fixture *f, unsigned slot);
const char *mask_str(const struct apsim_mask *m, char buf[APSIM_MASK_STRLEN]);
/* The guest's APCB, as id lists ("" = empty) */
void expect_apcb(struct apsim_guest *g, const char *apm, const char *aqm, const char *adm);
struct vfio_ap_queue *vq(struct fixture *f, unsigned apid, unsigned apqi);
void invariants_hold(struct fixture *f);

#endif /* APSIM_TESTS_UNIT_FIXTURE_H */
