/*
 * Per-CPU structures for four CPUs, set up as FreeBSD 14 amd64 sets them
 * up (sys/kern/subr_pcpu.c, sys/amd64/amd64/pmap.c, sys/vm/uma_core.c).
 * The machine has one CPU. The structures of CPUs 1 to 3 exist so that
 * per-CPU data and counter(9) values have more than one slot to read.
 */
#include "kernel.h"
#include "pcpu.h"

u_int mp_maxid = 3;
int mp_ncpus = 4;
int mp_maxcpus = MAXCPU;

/* Virtual address of CPU 0's struct pcpu; CPU c's follows at __pcpu + c. */
struct pcpu *__pcpu;
struct pcpu *cpuid_to_pcpu[MAXCPU];
struct cpuhead cpuhead;
uintptr_t dpcpu_off[MAXCPU];

/* Dynamic per-CPU variables, each CPU with its own copy. */
DPCPU_DEFINE(uint64_t, pcputicks) = 1000;
DPCPU_DEFINE(int, epair_dpcpu_ifs) = -1;

/*
 * Map the struct pcpu pages of all CPUs at consecutive addresses, as
 * pmap_bootstrap reserves MAXCPU pages for __pcpu after the kernel, and
 * give each CPU its dynamic per-CPU area.
 */
void
pcpu_startup(void)
{
	vm_offset_t va = KERNBASE + (vm_offset_t)KERNBASE_PS_PAGES * NBPDR;

	__pcpu = (struct pcpu *)va;
	STAILQ_INIT(&cpuhead);
	for (u_int cpu = 0; cpu <= mp_maxid; cpu++) {
		struct pcpu *pc = &__pcpu[cpu];
		char *dpcpu;

		pmap_kenter(va + cpu * PAGE_SIZE, vm_page_alloc_kmem());
		pc->pc_cpuid = cpu;
		pc->pc_prvspace = pc;
		pc->pc_zpcpu_offset = UMA_PCPU_ALLOC_SIZE * cpu;
		pc->pc_apic_id = cpu * 2;
		pc->pc_acpi_id = cpu;
		pc->pc_switchtime = 0x1000000ULL * (cpu + 1);
		pc->pc_switchticks = 50000 + (int)cpu;
		for (int s = 0; s < CPUSTATES; s++)
			pc->pc_cp_time[s] = (long)(cpu * 100 + s * 7);
		cpuid_to_pcpu[cpu] = pc;
		STAILQ_INSERT_TAIL(&cpuhead, pc, pc_allcpu);

		dpcpu = malloc(DPCPU_BYTES, 64);
		memcpy(dpcpu, (void *)DPCPU_START, DPCPU_BYTES);
		pc->pc_dynamic = (uintptr_t)dpcpu - DPCPU_START;
		dpcpu_off[cpu] = pc->pc_dynamic;
		*DPCPU_ID_PTR(cpu, pcputicks) = 1000 + 111 * (uint64_t)cpu;
		*DPCPU_ID_PTR(cpu, epair_dpcpu_ifs) = (int)cpu - 2;
	}
	printf("pcpu: %d CPUs, __pcpu %p\n", mp_ncpus, (void *)__pcpu);
}

/*
 * Allocate a per-CPU slab: mp_maxid + 1 fresh pages, virtually contiguous
 * in the kernel map, as UMA's pcpu_page_alloc does. FreeBSD shares such
 * slabs between all users of a per-CPU zone. The test kernel gives each
 * vnet its own, so that one page contains one vnet's counters of one CPU.
 */
void
pcpu_slab_init(struct pcpu_slab *ps)
{
	ps->ps_base = kmem_malloc((mp_maxid + 1) * UMA_PCPU_ALLOC_SIZE);
	ps->ps_used = 0;
}

/* Allocate a zeroed counter from ps, as counter_u64_alloc does from pcpu_zone_8. */
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

/* Add inc to CPU cpu's slot of c, what counter_u64_add does on that CPU. */
void
counter_u64_add_cpu(counter_u64_t c, int cpu, int64_t inc)
{
	*zpcpu_get_cpu(c, cpu) += (uint64_t)inc;
}

/* Sum the slots of all CPUs, as counter_u64_fetch does. */
uint64_t
counter_u64_fetch(counter_u64_t c)
{
	uint64_t sum = 0;

	for (u_int cpu = 0; cpu <= mp_maxid; cpu++) {
		if (cpuid_to_pcpu[cpu] != NULL)
			sum += *zpcpu_get_cpu(c, cpu);
	}
	return (sum);
}
