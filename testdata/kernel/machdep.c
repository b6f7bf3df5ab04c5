/*
 * Machine-dependent start-up. Read the PVH memory map and set up physical
 * memory, page tables and the message buffer. Then build the VNET and jail
 * state and panic on purpose, which writes the crash dumps.
 */
#include "kernel.h"
#include "linker.h"
#include "msgbuf.h"
#include "proc.h"
#include "pvh.h"

#ifndef VARIANT
#define	VARIANT	"unknown"
#endif

/* Identification strings, as in FreeBSD's sys/conf/newvers.sh output. */
char version[] = "FreeBSD 14.1-RELEASE-p5 vnetinspect-test amd64\n"
    "    build variant " VARIANT "\n";
char osrelease[] = "14.1-RELEASE-p5";
char ostype[] = "FreeBSD";
int osreldate = 1401000;

int hz = 1000;
lwpid_t dumptid;			/* td_tid of the panicking thread */
const char *panicstr;
volatile time_t time_second = 1733318452; /* 2024-12-04 13:20:52 UTC */
int dumping;
u_long physmem;				/* pages of RAM */

/* Physical address the kernel image was loaded at (KERNSTART's address). */
vm_paddr_t kernphys = KERNLOAD + KERNDELTA;

/*
 * Physical memory ranges [start, end) that a dump may contain, terminated by
 * a pair whose end is 0.
 */
vm_paddr_t dump_avail[PHYS_AVAIL_COUNT];

/*
 * Dumps to write, cleared by the command line options fulldump=0,
 * olddumps=0 and nocpudump=0.
 */
bool dump_full = true;
bool dump_old = true;
bool dump_nocpu = true;

static char cmdline[256];

extern char _end[];

/* Lowest physical page the page allocator hands out, just above the KERNBASE map. */
#define	FIRST_FREE_PA	(KERNDELTA + 4UL * 1024 * 1024)

/*
 * Copy the RAM ranges of the PVH memory map into dump_avail, rounded inwards
 * to whole pages. Returns the highest end address.
 */
static vm_paddr_t
read_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *mm;
	vm_paddr_t top = 0;
	u_int n = 0;

	if (si->magic != XEN_HVM_START_MAGIC_VALUE || si->version < 1)
		halt_forever();
	mm = phys_to_virt(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		vm_paddr_t start = round_page(mm[i].addr);
		vm_paddr_t end = trunc_page(mm[i].addr + mm[i].size);

		if (mm[i].type != XEN_HVM_MEMMAP_TYPE_RAM || end <= start)
			continue;
		if (n + 2 >= nitems(dump_avail) - 2)
			break;
		dump_avail[n++] = start;
		dump_avail[n++] = end;
		physmem += (end - start) / PAGE_SIZE;
		if (end > top)
			top = end;
	}
	return (top);
}

static bool
cmdline_has(const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmdline; *p != '\0'; p++) {
		if ((p == cmdline || p[-1] == ' ') && memcmp(p, word, n) == 0 &&
		    (p[n] == '\0' || p[n] == ' '))
			return (true);
	}
	return (false);
}

/*
 * Copy the kernel command line (QEMU -append). fulldump=0 skips the full
 * dump, olddumps=0 the version 1 and 2 minidumps and nocpudump=0 the
 * minidump without one counter page. They save time
 * because QEMU's debugcon device makes one host write per byte.
 */
static void
read_cmdline(const struct hvm_start_info *si)
{
	if (si->cmdline_paddr != 0)
		strlcpy(cmdline, phys_to_virt(si->cmdline_paddr), sizeof(cmdline));
	dump_full = !cmdline_has("fulldump=0");
	dump_old = !cmdline_has("olddumps=0");
	dump_nocpu = !cmdline_has("nocpudump=0");
}

static void
print_banner(const struct hvm_start_info *si)
{
	printf("---<<BOOT>>---\n");
	printf("Copyright (c) 1992-2024 The FreeBSD Project.\n");
	printf("%s", version);
	printf("PVH memory map: %u entries, command line \"%s\"\n",
	    si->memmap_entries, cmdline);
	printf("real memory  = %lu (%lu MB)\n", physmem * PAGE_SIZE,
	    physmem * PAGE_SIZE >> 20);
	for (u_int i = 0; dump_avail[i + 1] != 0; i += 2)
		printf("dump_avail[%u] = [0x%lx, 0x%lx)\n", i / 2, dump_avail[i],
		    dump_avail[i + 1]);
	printf("KPML4phys = 0x%lx, kernel end %p\n", KPML4phys, (void *)_end);
}

/*
 * Let a syslogd read the boot messages, then log more than the message
 * buffer holds, so that the ring wraps: msg_rseq stays behind msg_wseq by
 * more than msg_size and the oldest boot lines are overwritten.
 */
static void
msgbuf_fill(void)
{
	u_int n = 0;

	msgbufp->msg_rseq = msgbufp->msg_wseq;
	while (msgbufp->msg_wseq - msgbufp->msg_rseq < msgbufp->msg_size + 4096) {
		log(LOG_INFO, "nginx[1234]: *%u connection from 10.1.200.%u:%u, "
		    "request \"GET /index.html\" done in %u ms\n", n, n % 250 + 1,
		    40000 + n % 20000, n * 7 % 1000);
		n++;
	}
	printf("msgbuf: logged %u lines, write sequence %u, read sequence %u\n",
	    n, msgbufp->msg_wseq, msgbufp->msg_rseq);
}

/* C entry point, called by locore.S with the physical start info address. */
void
kernel_init(uint32_t start_info_pa)
{
	const struct hvm_start_info *si = phys_to_virt(start_info_pa);
	vm_paddr_t top, msgbuf_pa;

	top = read_memmap(si);
	read_cmdline(si);
	msgbuf_pa = top - MSGBUF_SIZE;
	vm_page_startup(FIRST_FREE_PA, msgbuf_pa);
	vm_page_dump_init();
	pmap_bootstrap();

	msgbuf_setup(msgbuf_pa, MSGBUF_SIZE);
	for (vm_paddr_t pa = msgbuf_pa; pa < top; pa += PAGE_SIZE)
		dump_add_page(pa);
	print_banner(phys_to_virt(start_info_pa));

	linker_init();
	pcpu_startup();
	vnet0_init();
	jails_init();
	linker_load_modules();
	procs_init();
	msgbuf_fill();
	vnet_template_update();

	panic_in_thread();
}
