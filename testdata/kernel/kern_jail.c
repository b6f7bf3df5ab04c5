/*
 * prison0 and a small jail tree:
 *
 *   prison0 (jid 0, vnet0)
 *   +-- web (1, own vnet)
 *   |   +-- web.php (5, own vnet)
 *   |   +-- web.static (6, no PR_VNET: shares web's vnet)
 *   +-- db (2, own vnet)
 *   +-- mail (3, own vnet)
 *   +-- dns (4, own vnet)
 *
 * As in FreeBSD's kern_jail.c, allprison contains every jail except prison0
 * in jid order, children are inserted at the head of pr_children, and
 * pr_childcount counts all descendants.
 */
#include "jail.h"
#include "kernel.h"
#include "vnet.h"

struct prison prison0 = {
	.pr_id = 0,
	.pr_ref = 1,
	.pr_uref = 1,
	.pr_flags = PR_HOST | PR_VNET,
	.pr_childmax = JAIL_MAX,
	.pr_allow = PR_ALLOW_ALL_STATIC,
	.pr_securelevel = -1,
	.pr_enforce_statfs = 0,
	.pr_state = PRISON_STATE_ALIVE,
	.pr_osreldate = 1401000,
	.pr_hostid = 0x5eedf00d,
	.pr_name = "0",
	.pr_path = "/",
	.pr_hostname = "vnetinspect-test.example.org",
	.pr_domainname = "",
	.pr_hostuuid = "4f0e6c2a-3b1d-4e5f-9a8b-7c6d5e4f3a2b",
	.pr_osrelease = "14.1-RELEASE-p5",
};

struct prisonlist allprison = { NULL, &allprison.tqh_first };

struct jail_spec {
	int		 jid;
	const char	*name;		/* full dotted name */
	const char	*parent;	/* NULL: prison0 */
	bool		 vnet;		/* own network stack (PR_VNET) */
	int		 devfs_ruleset;
};

static const struct jail_spec jail_specs[] = {
	{ 1, "web", NULL, true, 4 },
	{ 2, "db", NULL, true, 4 },
	{ 3, "mail", NULL, true, 5 },
	{ 4, "dns", NULL, true, 4 },
	{ 5, "web.php", "web", true, 4 },
	{ 6, "web.static", "web", false, 4 },
};

struct prison *
prison_find_name(const char *name)
{
	struct prison *pr;

	TAILQ_FOREACH(pr, &allprison, pr_list) {
		if (strcmp(pr->pr_name, name) == 0)
			return (pr);
	}
	return (NULL);
}

/* Insert pr on allprison in front of the first jail with a larger jid. */
static void
allprison_insert(struct prison *pr)
{
	struct prison *tpr;

	TAILQ_FOREACH(tpr, &allprison, pr_list) {
		if (tpr->pr_id > pr->pr_id) {
			TAILQ_INSERT_BEFORE(tpr, pr, pr_list);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&allprison, pr, pr_list);
}

static struct prison *
jail_create(const struct jail_spec *js)
{
	struct prison *ppr = &prison0, *pr;

	if (js->parent != NULL && (ppr = prison_find_name(js->parent)) == NULL)
		panic("jail %s: parent %s not found", js->name, js->parent);

	pr = malloc(sizeof(*pr), 8);
	pr->pr_id = js->jid;
	pr->pr_ref = 2;
	pr->pr_uref = 1;
	pr->pr_flags = PR_PERSIST | PR_HOST | PR_IP4_USER | PR_IP4 |
	    (js->vnet ? PR_VNET : 0);
	pr->pr_parent = ppr;
	pr->pr_allow = PR_ALLOW_SET_HOSTNAME | PR_ALLOW_RAW_SOCKETS;
	pr->pr_securelevel = 3;
	pr->pr_enforce_statfs = 2;
	pr->pr_devfs_rsnum = js->devfs_ruleset;
	pr->pr_childmax = js->parent == NULL ? 2 : 0;
	pr->pr_osreldate = prison0.pr_osreldate;
	pr->pr_hostid = 0x1000 + (unsigned long)js->jid;
	strlcpy(pr->pr_name, js->name, sizeof(pr->pr_name));
	snprintf(pr->pr_path, sizeof(pr->pr_path), "/jails/%s", js->name);
	snprintf(pr->pr_hostname, sizeof(pr->pr_hostname), "%s.jail.example.org",
	    js->name);
	strlcpy(pr->pr_domainname, "example.org", sizeof(pr->pr_domainname));
	snprintf(pr->pr_hostuuid, sizeof(pr->pr_hostuuid),
	    "00000000-0000-4000-8000-%012d", js->jid);
	strlcpy(pr->pr_osrelease, prison0.pr_osrelease, sizeof(pr->pr_osrelease));

	pr->pr_vnet = js->vnet ? vnet_alloc(js->name, pr) : ppr->pr_vnet;
	pr->pr_state = PRISON_STATE_ALIVE;

	allprison_insert(pr);
	LIST_INSERT_HEAD(&ppr->pr_children, pr, pr_sibling);
	for (struct prison *tpr = ppr; tpr != NULL; tpr = tpr->pr_parent)
		tpr->pr_childcount++;
	printf("jail %d \"%s\": prison %p, vnet %p%s\n", pr->pr_id, pr->pr_name,
	    (void *)pr, (void *)pr->pr_vnet, js->vnet ? "" : " (parent's)");
	return (pr);
}

/* Create vnet0 for prison0, as FreeBSD's vnet0_init does at SI_SUB_VNET. */
void
vnet0_init(void)
{
	vnet0 = vnet_alloc("prison0", &prison0);
	prison0.pr_vnet = vnet0;
}

void
jails_init(void)
{
	for (size_t i = 0; i < nitems(jail_specs); i++)
		jail_create(&jail_specs[i]);
}
