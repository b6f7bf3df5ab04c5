/*
 * Per-CPU data and counter(9) as FreeBSD 14 i386 lays them out
 * (sys/sys/pcpu.h, sys/sys/counter.h). Unlike amd64, a counter_u64_t on
 * i386 holds the address of CPU 0's slot itself, and CPU c's slot is
 * UMA_PCPU_ALLOC_SIZE * c bytes further. The shared vnet_vars.c uses the
 * same macro names on both machines.
 */
#ifndef _TK_PCPU_H_
#define _TK_PCPU_H_

#include "queue.h"
#include "types.h"

#define	MAXCPU		16
#define	CPUSTATES	5

/* FreeBSD's UMA_PCPU_ALLOC_SIZE: the distance between CPU slots of a per-CPU item. */
#define	UMA_PCPU_ALLOC_SIZE	PAGE_SIZE

struct thread;
struct pcb;

/* The first machine-independent members of FreeBSD 14's struct pcpu. */
struct pcpu {
	struct thread	*pc_curthread;
	struct thread	*pc_idlethread;
	struct thread	*pc_fpcurthread;
	struct thread	*pc_deadthread;
	struct pcb	*pc_curpcb;
	void		*pc_sched;
	uint64_t	 pc_switchtime;
	int		 pc_switchticks;
	u_int		 pc_cpuid;
	STAILQ_ENTRY(pcpu) pc_allcpu;
} __aligned(CACHE_LINE_SIZE);

STAILQ_HEAD(cpuhead, pcpu);

extern struct pcpu	*cpuid_to_pcpu[MAXCPU];
extern u_int		 mp_maxid;
extern int		 mp_ncpus;

typedef uint64_t *counter_u64_t;

#define	zpcpu_base_to_offset(base)	((void *)(base))
#define	zpcpu_get_cpu(base, cpu)	\
	((__typeof(base))((uintptr_t)(base) + UMA_PCPU_ALLOC_SIZE * (cpu)))

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
