/*
 * Per-CPU data as FreeBSD 14 amd64 lays it out (sys/sys/pcpu.h,
 * sys/amd64/include/pcpu.h and pcpu_aux.h). Each CPU has a page-sized
 * struct pcpu at __pcpu[cpu] and a copy of the set_pcpu section, found
 * through dpcpu_off[]. counter(9) values live in UMA per-CPU allocations.
 */
#ifndef _TK_PCPU_H_
#define _TK_PCPU_H_

#include "queue.h"
#include "types.h"

/*
 * Highest number of CPUs the test kernel supports. FreeBSD's MAXCPU is
 * larger; only mp_maxid + 1 of the slots are used either way.
 */
#define	MAXCPU		16
#define	NOCPU		(-1)	/* td_oncpu of a thread not running */
#define	CPUSTATES	5

/* FreeBSD's UMA_PCPU_ALLOC_SIZE: the distance between CPU slots of a per-CPU item. */
#define	UMA_PCPU_ALLOC_SIZE	PAGE_SIZE

struct thread;
struct pcb;
struct lock_list_entry;
struct _device;
struct pmap;
struct amd64tss;

struct rm_queue {
	struct rm_queue *volatile rmq_next;
	struct rm_queue *volatile rmq_prev;
};

struct monitorbuf {
	int	idle_state;
	int	stop_state;
	char	padding[128 - (2 * sizeof(int))];
};

/*
 * The machine-independent members are FreeBSD 14's. Of the amd64 members
 * only the first ones are declared; __pad covers the rest, so the size is
 * UMA_PCPU_ALLOC_SIZE as on FreeBSD, which counter(9) relies on.
 */
struct pcpu {
	struct thread	*pc_curthread;		/* running thread */
	struct thread	*pc_idlethread;
	struct thread	*pc_fpcurthread;
	struct thread	*pc_deadthread;
	struct pcb	*pc_curpcb;
	void		*pc_sched;
	uint64_t	 pc_switchtime;
	int		 pc_switchticks;
	u_int		 pc_cpuid;		/* this CPU's number */
	STAILQ_ENTRY(pcpu) pc_allcpu;		/* entry on cpuhead */
	struct lock_list_entry *pc_spinlocks;
	long		 pc_cp_time[CPUSTATES];	/* statclock ticks */
	struct _device	*pc_device;
	void		*pc_netisr;
	int8_t		 pc_vfs_freevnodes;
	char		 pc_unused1[3];
	int		 pc_domain;		/* memory domain */
	struct rm_queue	 pc_rm_queue;
	uintptr_t	 pc_dynamic;		/* dpcpu_off[] of this CPU */
	uint64_t	 pc_early_dummy_counter;
	uintptr_t	 pc_zpcpu_offset;	/* UMA_PCPU_ALLOC_SIZE * cpuid */
	struct monitorbuf pc_monitorbuf __aligned(128);
	struct pcpu	*pc_prvspace;		/* this structure's own address */
	struct pmap	*pc_curpmap;
	struct amd64tss	*pc_tssp;
	void		*pc_pad0;
	uint64_t	 pc_kcr3;
	uint64_t	 pc_ucr3;
	uint64_t	 pc_saved_ucr3;
	long		 pc_rsp0;
	long		 pc_scratch_rsp;
	long		 pc_scratch_rax;
	u_int		 pc_apic_id;
	u_int		 pc_acpi_id;
	char		 __pad[3624];		/* up to UMA_PCPU_ALLOC_SIZE */
} __aligned(CACHE_LINE_SIZE);

_Static_assert(sizeof(struct pcpu) == UMA_PCPU_ALLOC_SIZE,
    "struct pcpu must fill one UMA per-CPU slot, as counter(9) on amd64 requires");

STAILQ_HEAD(cpuhead, pcpu);

extern struct pcpu	*__pcpu;
extern struct pcpu	*cpuid_to_pcpu[MAXCPU];
extern struct cpuhead	 cpuhead;
extern uintptr_t	 dpcpu_off[MAXCPU];
extern u_int		 mp_maxid;
extern int		 mp_ncpus;
extern int		 mp_maxcpus;

/* Dynamic per-CPU variables (DPCPU_DEFINE), with FreeBSD's section and prefix. */
#define	DPCPU_SETNAME	"set_pcpu"
#define	DPCPU_NAME(n)	pcpu_entry_##n
#define	DPCPU_DEFINE(t, n)	\
	t DPCPU_NAME(n) __section(DPCPU_SETNAME) __used
extern uintptr_t *__start_set_pcpu;
extern uintptr_t *__stop_set_pcpu;
#define	DPCPU_START	((uintptr_t)&__start_set_pcpu)
#define	DPCPU_STOP	((uintptr_t)&__stop_set_pcpu)
#define	DPCPU_BYTES	(DPCPU_STOP - DPCPU_START)
#define	DPCPU_ID_PTR(i, n)	\
	((__typeof(DPCPU_NAME(n)) *)(dpcpu_off[(i)] + (uintptr_t)&DPCPU_NAME(n)))

/*
 * counter(9): a counter_u64_t on amd64 contains the offset of CPU 0's slot
 * from &__pcpu[0] (zpcpu_base_to_offset), so that %gs-relative code can
 * add to the running CPU's slot. CPU c's slot is at
 * &__pcpu[0] + offset + c * UMA_PCPU_ALLOC_SIZE.
 */
typedef uint64_t *counter_u64_t;

#define	zpcpu_offset_cpu(cpu)	\
	((uintptr_t)&__pcpu[0] + UMA_PCPU_ALLOC_SIZE * (cpu))
#define	zpcpu_base_to_offset(base)	\
	((void *)((uintptr_t)(base) - (uintptr_t)&__pcpu[0]))
#define	zpcpu_get_cpu(base, cpu)	\
	((__typeof(base))((uintptr_t)(base) + zpcpu_offset_cpu(cpu)))

/* A UMA per-CPU slab: mp_maxid + 1 pages, virtually contiguous. */
struct pcpu_slab {
	char	*ps_base;	/* CPU 0's page */
	size_t	 ps_used;	/* bytes of each page handed out */
};

void		 pcpu_startup(void);
void		 pcpu_slab_init(struct pcpu_slab *ps);
counter_u64_t	 counter_u64_alloc(struct pcpu_slab *ps);
void		 counter_u64_add_cpu(counter_u64_t c, int cpu, int64_t inc);
uint64_t	 counter_u64_fetch(counter_u64_t c);

#endif /* !_TK_PCPU_H_ */
