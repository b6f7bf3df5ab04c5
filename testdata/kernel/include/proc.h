/*
 * Processes, threads and credentials with FreeBSD 14's member names and
 * types (sys/sys/proc.h, sys/sys/ucred.h). Only the members a debugger
 * reads to find the crashing thread, its process, jail and vnet are
 * declared, in FreeBSD's order, so offsets differ from a real kernel's and
 * readers must take them from DWARF.
 */
#ifndef _TK_PROC_H_
#define _TK_PROC_H_

#include "jail.h"
#include "queue.h"
#include "types.h"

#define	MAXCOMLEN	19	/* p_comm and td_name hold MAXCOMLEN + 1 bytes */
#define	XU_NGROUPS	16

struct uidinfo;
struct loginclass;
struct filedesc;
struct vnet;
struct proc;

struct ucred {
	struct mtx	 cr_mtx;
	long		 cr_ref;	/* reference count */
	u_int		 cr_users;	/* processes and threads using it */
	u_int		 cr_flags;
	int		 cr_ngroups;
	uid_t		 cr_uid;	/* effective user id */
	uid_t		 cr_ruid;	/* real user id */
	uid_t		 cr_svuid;	/* saved user id */
	gid_t		 cr_rgid;	/* real group id */
	gid_t		 cr_svgid;	/* saved group id */
	struct uidinfo	*cr_uidinfo;
	struct uidinfo	*cr_ruidinfo;
	struct prison	*cr_prison;	/* jail(2) */
	struct loginclass *cr_loginclass;
	void		*cr_pspare2[2];
	gid_t		*cr_groups;
	int		 cr_agroups;
	gid_t		 cr_smallgroups[XU_NGROUPS];
};

struct thread {
	struct mtx	*td_lock;	/* lock protecting the thread's state */
	struct proc	*td_proc;	/* owning process */
	TAILQ_ENTRY(thread) td_plist;	/* entry on p_threads */
	TAILQ_ENTRY(thread) td_runq;
	lwpid_t		 td_tid;	/* thread id */
	int		 td_flags;
	int		 td_pflags;
	struct ucred	*td_realucred;
	struct ucred	*td_ucred;	/* credentials in use */
	char		 td_name[MAXCOMLEN + 1];
	enum td_states {
		TDS_INACTIVE = 0x0,
		TDS_INHIBITED,
		TDS_CAN_RUN,
		TDS_RUNQ,
		TDS_RUNNING
	} td_state;
	int		 td_errno;
	struct vnet	*td_vnet;	/* vnet set by CURVNET_SET, else NULL */
	const char	*td_vnet_lpush;	/* function that set td_vnet */
	int		 td_lastcpu;	/* CPU the thread last ran on */
	int		 td_oncpu;	/* CPU it runs on, or NOCPU */
};

#define	TDF_INPANIC	0x00000002	/* caused a panic and drives the dump */

enum p_states {
	PRS_NEW = 0,
	PRS_NORMAL,
	PRS_ZOMBIE
};

struct proc {
	LIST_ENTRY(proc) p_list;	/* entry on allproc */
	TAILQ_HEAD(, thread) p_threads;	/* all threads */
	struct mtx	 p_slock;
	struct ucred	*p_ucred;	/* process credentials */
	struct filedesc	*p_fd;
	int		 p_flag;
	enum p_states	 p_state;
	pid_t		 p_pid;
	LIST_ENTRY(proc) p_hash;
	LIST_ENTRY(proc) p_pglist;
	struct proc	*p_pptr;	/* parent process */
	LIST_ENTRY(proc) p_sibling;
	LIST_HEAD(, proc) p_children;
	LIST_ENTRY(proc) p_jaillist;	/* entry on pr_proclist */
	int		 p_numthreads;
	char		 p_comm[MAXCOMLEN + 1];	/* command name */
};

#define	P_SYSTEM	0x00200	/* system process */
#define	P_INMEM		0x10000000

LIST_HEAD(proclist, proc);
extern struct proclist allproc;
extern struct proc proc0;

void	procs_init(void);
void	panic_in_thread(void) __dead2;

#endif /* !_TK_PROC_H_ */
