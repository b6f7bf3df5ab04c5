/*
 * Jails with the layout of struct prison in FreeBSD 14 (sys/sys/jail.h).
 * Kernel types that the test kernel does not implement (struct mtx,
 * struct task, struct osd) are byte arrays of their LP64 sizes, so every
 * member keeps FreeBSD's offset.
 */
#ifndef _TK_JAIL_H_
#define _TK_JAIL_H_

#include "queue.h"
#include "types.h"

#define	HOSTUUIDLEN	64
#define	OSRELEASELEN	32
#define	JAIL_MAX	999999

enum prison_state {
	PRISON_STATE_INVALID = 0,	/* being created */
	PRISON_STATE_ALIVE,		/* visible to all */
	PRISON_STATE_DYING		/* removed, still holding resources */
};

typedef enum {
	PR_INET = 0,
	PR_INET6 = 1,
	PR_FAMILY_MAX = 2,
} pr_family_t;

/* Stand-ins with the sizes of the LP64 kernel structures. */
struct mtx {
	uint8_t	mtx_opaque[32];
};
struct task {
	uint8_t	ta_opaque[32];
};
struct osd {
	uint8_t	osd_opaque[32];
};

struct cpuset;
struct vnode;
struct proc;
struct prison_ip;
struct prison_racct;

struct prison {
	TAILQ_ENTRY(prison) pr_list;		/* entry on allprison */
	int		 pr_id;			/* jail id */
	volatile u_int	 pr_ref;		/* reference count */
	volatile u_int	 pr_uref;		/* user (alive) reference count */
	unsigned	 pr_flags;		/* PR_* flags */
	LIST_HEAD(, prison) pr_children;	/* child jails */
	LIST_HEAD(, proc) pr_proclist;		/* jailed processes */
	LIST_ENTRY(prison) pr_sibling;		/* entry in parent's pr_children */
	struct prison	*pr_parent;		/* containing jail */
	struct mtx	 pr_mtx;
	struct task	 pr_task;		/* destroy task */
	struct osd	 pr_osd;		/* additional data */
	struct cpuset	*pr_cpuset;
	struct vnet	*pr_vnet;		/* network stack */
	struct vnode	*pr_root;		/* root directory vnode */
	struct prison_ip *pr_addrs[PR_FAMILY_MAX]; /* IPv4 and IPv6 addresses */
	struct prison_racct *pr_prison_racct;
	void		*pr_sparep[3];
	int		 pr_childcount;		/* number of descendant jails */
	int		 pr_childmax;		/* maximum descendant jails */
	unsigned	 pr_allow;		/* PR_ALLOW_* flags */
	int		 pr_securelevel;
	int		 pr_enforce_statfs;
	int		 pr_devfs_rsnum;	/* devfs ruleset */
	enum prison_state pr_state;		/* state in the life cycle */
	volatile int	 pr_exportcnt;		/* mount exports */
	int		 pr_spare;
	int		 pr_osreldate;		/* kern.osreldate in the jail */
	unsigned long	 pr_hostid;
	char		 pr_name[MAXHOSTNAMELEN];	/* full dotted jail name */
	char		 pr_path[MAXPATHLEN];		/* chroot path */
	char		 pr_hostname[MAXHOSTNAMELEN];
	char		 pr_domainname[MAXHOSTNAMELEN];
	char		 pr_hostuuid[HOSTUUIDLEN];
	char		 pr_osrelease[OSRELEASELEN];	/* kern.osrelease in the jail */
};

/* pr_flags bits. */
#define	PR_PERSIST	0x00000001
#define	PR_HOST		0x00000002
#define	PR_IP4_USER	0x00000004
#define	PR_IP6_USER	0x00000008
#define	PR_VNET		0x00000010	/* jail has its own network stack */
#define	PR_IP4		0x02000000
#define	PR_IP6		0x04000000

/* pr_allow bits. */
#define	PR_ALLOW_SET_HOSTNAME	0x00000001
#define	PR_ALLOW_RAW_SOCKETS	0x00000004
#define	PR_ALLOW_ALL_STATIC	0x000787ff

TAILQ_HEAD(prisonlist, prison);
extern struct prison prison0;
extern struct prisonlist allprison;

struct prison	*prison_find_name(const char *name);

#endif /* !_TK_JAIL_H_ */
