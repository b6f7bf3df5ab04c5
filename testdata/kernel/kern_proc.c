/*
 * The process list of a crashed system: proc0 ("kernel") and init on the
 * host, nginx in jail web and named in jail dns, each with threads. The
 * nginx thread dumptid panics inside a CURVNET_SET section, so its
 * td_vnet is web's vnet. The other threads have no td_vnet; a debugger
 * finds their vnet through td_ucred->cr_prison->pr_vnet.
 */
#include "kernel.h"
#include "pcpu.h"
#include "proc.h"
#include "vnet.h"

struct proclist allproc;
struct proc proc0;
struct proc *initproc;

/* FreeBSD keeps thread0 in thread0_st with room for scheduler data. */
struct thread0_storage {
	struct thread	t0st_thread;
	uint64_t	t0st_sched[10];
};
struct thread0_storage thread0_st __aligned(32);

struct ucred *proc0_ucred;

/* The thread that panics, with its tid stored in dumptid. */
static struct thread *panic_thread;

struct thread_spec {
	lwpid_t		 tid;
	const char	*name;
	int		 oncpu;		/* NOCPU when not running */
	bool		 curvnet;	/* inside CURVNET_SET: td_vnet set */
};

struct proc_spec {
	pid_t		 pid;
	const char	*comm;
	const char	*jail;		/* NULL: prison0 */
	uid_t		 uid;
	int		 flags;
	struct thread_spec threads[3];
};

static const struct proc_spec proc_specs[] = {
	{ 1, "init", NULL, 0, P_INMEM, {
		{ 100002, "init", NOCPU, false },
	} },
	{ 1234, "nginx", "web", 80, P_INMEM, {
		{ 100041, "nginx", NOCPU, false },
		{ 100042, "nginx", 1, true },
		{ 100043, "nginx", NOCPU, false },
	} },
	{ 2345, "named", "dns", 53, P_INMEM, {
		{ 100050, "named", NOCPU, false },
		{ 100051, "named", 2, false },
	} },
};

static struct ucred *
ucred_create(struct prison *pr, uid_t uid)
{
	struct ucred *cr = malloc(sizeof(*cr), 8);

	cr->cr_ref = 1;
	cr->cr_uid = cr->cr_ruid = cr->cr_svuid = uid;
	cr->cr_rgid = cr->cr_svgid = uid;
	cr->cr_ngroups = 1;
	cr->cr_agroups = XU_NGROUPS;
	cr->cr_groups = cr->cr_smallgroups;
	cr->cr_smallgroups[0] = uid;
	cr->cr_prison = pr;
	return (cr);
}

static void
thread_link(struct proc *p, struct thread *td, lwpid_t tid, const char *name,
    int oncpu)
{
	td->td_proc = p;
	td->td_tid = tid;
	td->td_ucred = p->p_ucred;
	td->td_realucred = p->p_ucred;
	p->p_ucred->cr_ref++;
	p->p_ucred->cr_users++;
	strlcpy(td->td_name, name, sizeof(td->td_name));
	td->td_oncpu = oncpu;
	td->td_lastcpu = oncpu == NOCPU ? (int)(tid % (mp_maxid + 1)) : oncpu;
	td->td_state = oncpu == NOCPU ? TDS_INHIBITED : TDS_RUNNING;
	if (oncpu != NOCPU)
		cpuid_to_pcpu[oncpu]->pc_curthread = td;
	TAILQ_INSERT_TAIL(&p->p_threads, td, td_plist);
	p->p_numthreads++;
}

static void
proc_link(struct proc *p, pid_t pid, const char *comm, struct ucred *cr,
    int flags)
{
	p->p_pid = pid;
	p->p_state = PRS_NORMAL;
	p->p_flag = flags;
	p->p_ucred = cr;
	strlcpy(p->p_comm, comm, sizeof(p->p_comm));
	TAILQ_INIT(&p->p_threads);
	if (pid != 0) {
		p->p_pptr = pid == 1 ? &proc0 : initproc;
		LIST_INSERT_HEAD(&p->p_pptr->p_children, p, p_sibling);
	}
	LIST_INSERT_HEAD(&allproc, p, p_list);
	LIST_INSERT_HEAD(&cr->cr_prison->pr_proclist, p, p_jaillist);
}

/*
 * Create proc0 and the processes of proc_specs, newest at the head of
 * allproc as fork does. Runs after the jails exist.
 */
void
procs_init(void)
{
	struct thread *td;

	proc0_ucred = ucred_create(&prison0, 0);
	proc_link(&proc0, 0, "kernel", proc0_ucred, P_SYSTEM | P_INMEM);
	thread_link(&proc0, &thread0_st.t0st_thread, 100000, "swapper", 0);
	td = malloc(sizeof(*td), 8);
	thread_link(&proc0, td, 100005, "if_io_tqg_0", 3);

	for (size_t i = 0; i < nitems(proc_specs); i++) {
		const struct proc_spec *ps = &proc_specs[i];
		struct prison *pr = &prison0;
		struct proc *p = malloc(sizeof(*p), 8);

		if (ps->jail != NULL && (pr = prison_find_name(ps->jail)) == NULL)
			panic("process %s: jail %s not found", ps->comm, ps->jail);
		proc_link(p, ps->pid, ps->comm, ucred_create(pr, ps->uid),
		    ps->flags);
		if (ps->pid == 1)
			initproc = p;
		for (int t = 0; t < 3 && ps->threads[t].tid != 0; t++) {
			const struct thread_spec *ts = &ps->threads[t];

			td = malloc(sizeof(*td), 8);
			thread_link(p, td, ts->tid, ts->name, ts->oncpu);
			if (ts->curvnet) {
				td->td_vnet = pr->pr_vnet;
				td->td_vnet_lpush = "tcp_output";
				panic_thread = td;
			}
		}
		printf("pid %d (%s): proc %p, jail %d\n", p->p_pid, p->p_comm,
		    (void *)p, pr->pr_id);
	}
}

/*
 * Panic in panic_thread, which is inside CURVNET_SET(web's vnet): the
 * vnet stays current and dumptid names the thread, as doadump records it.
 */
void
panic_in_thread(void)
{
	if (panic_thread == NULL)
		panic("no thread inside CURVNET_SET to panic in");
	curvnet = panic_thread->td_vnet;
	panic_thread->td_flags |= TDF_INPANIC;
	dumptid = panic_thread->td_tid;
	panic("vnetinspect test: dumping on purpose");
}
