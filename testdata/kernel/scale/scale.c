/*
 * The scale configuration of the test kernel: SCALE_VNETS vnets in total
 * and the generated variables of vnet_scale_vars.c (scale/gen).
 *
 * build.sh compiles kern_jail.c with jails_init renamed to jails_init_base
 * and vnet_vars.c with vnet_vars_init renamed to vnet_vars_init_base, so
 * the default sources stay unchanged. The functions below take their
 * names. jails_init creates the six jails of kern_jail.c and then one vnet
 * jail per missing vnet. vnet_vars_init gives every vnet the values of
 * vnet_vars.c and then the generated variables' values. The tables of
 * vnet_vars.c cover six ordinals, so ordinal 6 repeats the values of
 * ordinal 0, ordinal 7 those of ordinal 1, and so on.
 *
 * Limits: each vnet takes about 100 KiB of guest RAM (its set_vnet copy,
 * two counter slabs and small objects; the 1,000-vnet kernel's minidump
 * has 25,788 data pages), and vm_page.c panics with "out of physical
 * memory" when RAM runs out. The kernel image must end below physical
 * 4 MiB, the end of the KERNBASE map in pmap.c; with 1,500 generated
 * variables it ends at 2.3 MiB.
 */
#include "jail.h"
#include "kernel.h"
#include "pcpu.h"
#include "vnet.h"

#ifndef SCALE_VNETS
#error "build.sh defines SCALE_VNETS for the scale variant"
#endif

/* Vnets of the default kernel: vnet0 and five jails with PR_VNET. */
#define	BASE_VNETS	6

void	jails_init_base(void);
void	vnet_vars_init_base(int ordinal, const char *owner, struct prison *pr);
void	scale_vars_init(int ordinal);

void
vnet_vars_init(int ordinal, const char *owner, struct prison *pr)
{
	vnet_vars_init_base(ordinal % BASE_VNETS, owner, pr);
	scale_vars_init(ordinal);
}

/* Create the vnet jail with jid under prison0, named like vj0007. */
static void
scale_jail_create(int jid)
{
	struct prison *pr;

	pr = malloc(sizeof(*pr), 8);
	pr->pr_id = jid;
	pr->pr_ref = 2;
	pr->pr_uref = 1;
	pr->pr_flags = PR_PERSIST | PR_HOST | PR_IP4_USER | PR_IP4 | PR_VNET;
	pr->pr_parent = &prison0;
	pr->pr_allow = PR_ALLOW_SET_HOSTNAME | PR_ALLOW_RAW_SOCKETS;
	pr->pr_securelevel = jid % 4 - 1;
	pr->pr_enforce_statfs = 2;
	pr->pr_devfs_rsnum = 4;
	pr->pr_osreldate = prison0.pr_osreldate;
	pr->pr_hostid = 0x1000 + (unsigned long)jid;
	snprintf(pr->pr_name, sizeof(pr->pr_name), "vj%04d", jid);
	snprintf(pr->pr_path, sizeof(pr->pr_path), "/jails/%s", pr->pr_name);
	snprintf(pr->pr_hostname, sizeof(pr->pr_hostname), "%s.jail.example.org",
	    pr->pr_name);
	strlcpy(pr->pr_domainname, "example.org", sizeof(pr->pr_domainname));
	snprintf(pr->pr_hostuuid, sizeof(pr->pr_hostuuid),
	    "00000000-0000-4000-8000-%012d", jid);
	strlcpy(pr->pr_osrelease, prison0.pr_osrelease, sizeof(pr->pr_osrelease));

	pr->pr_vnet = vnet_alloc(pr->pr_name, pr);
	pr->pr_state = PRISON_STATE_ALIVE;

	/* jids grow, so the tail keeps allprison in jid order. */
	TAILQ_INSERT_TAIL(&allprison, pr, pr_list);
	LIST_INSERT_HEAD(&prison0.pr_children, pr, pr_sibling);
	prison0.pr_childcount++;
}

void
jails_init(void)
{
	int jid = 0;
	struct prison *pr;

	jails_init_base();
	TAILQ_FOREACH(pr, &allprison, pr_list)
		jid = MAX(jid, pr->pr_id);
	for (int n = BASE_VNETS; n < SCALE_VNETS; n++)
		scale_jail_create(++jid);
	printf("scale: %d vnets, last jid %d\n", SCALE_VNETS, jid);
}
