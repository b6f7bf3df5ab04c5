/*
 * Four CPUs' struct pcpu and the counter(9) allocator with i386's
 * encoding: a counter_u64_t is CPU 0's slot address (see pcpu.h).
 */
#include "kernel.h"
#include "pcpu.h"

u_int mp_maxid = 3;
int mp_ncpus = 4;
int mp_maxcpus = MAXCPU;

struct pcpu *cpuid_to_pcpu[MAXCPU];
struct cpuhead cpuhead;

void
pcpu_startup(void)
{
	STAILQ_INIT(&cpuhead);
	for (u_int cpu = 0; cpu <= mp_maxid; cpu++) {
		struct pcpu *pc = malloc(sizeof(*pc), CACHE_LINE_SIZE);

		pc->pc_cpuid = cpu;
		pc->pc_switchtime = 0x1000000ULL * (cpu + 1);
		pc->pc_switchticks = 50000 + (int)cpu;
		cpuid_to_pcpu[cpu] = pc;
		STAILQ_INSERT_TAIL(&cpuhead, pc, pc_allcpu);
	}
	printf("pcpu: %d CPUs\n", mp_ncpus);
}

void
pcpu_slab_init(struct pcpu_slab *ps)
{
	ps->ps_base = kmem_malloc((mp_maxid + 1) * UMA_PCPU_ALLOC_SIZE);
	ps->ps_used = 0;
}

counter_u64_t
counter_u64_alloc(struct pcpu_slab *ps)
{
	void *item;

	if (ps->ps_used + sizeof(uint64_t) > UMA_PCPU_ALLOC_SIZE)
		panic("counter_u64_alloc: per-CPU slab %p is full",
		    (void *)ps->ps_base);
	item = ps->ps_base + ps->ps_used;
	ps->ps_used += sizeof(uint64_t);
	return (zpcpu_base_to_offset(item));
}

void
counter_u64_add_cpu(counter_u64_t c, int cpu, int64_t inc)
{
	*zpcpu_get_cpu(c, cpu) += (uint64_t)inc;
}

uint64_t
counter_u64_fetch(counter_u64_t c)
{
	uint64_t sum = 0;

	for (u_int cpu = 0; cpu <= mp_maxid; cpu++)
		sum += *zpcpu_get_cpu(c, cpu);
	return (sum);
}
