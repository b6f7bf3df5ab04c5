/*
 * The kernel linker's file list, the kld_off_* constants FreeBSD exports so
 * that debuggers can walk linker_files without type information
 * (sys/kern/kern_linker.c), and the kernel's own entry, which belongs to
 * link_elf.c's class "elf64" as on FreeBSD.
 */
#include "kernel.h"
#include "linker.h"
#include "vnet.h"

static linker_file_list_t linker_files __used;
linker_file_t linker_kernel_file;
static int next_file_id = 1;

const int kld_off_address = offsetof(struct linker_file, address);
const int kld_off_filename = offsetof(struct linker_file, filename);
const int kld_off_pathname = offsetof(struct linker_file, pathname);
const int kld_off_next = offsetof(struct linker_file, link.tqe_next);

/* Module search path (kern.module_path). */
char linker_path[] = "/boot/kernel;/boot/modules";

extern char btext[], _end[];

/*
 * link_elf.c's file object for the kernel and ET_DYN modules, with the
 * members of FreeBSD 14's struct elf_file in their order. Table pointers
 * that the test kernel does not fill are void *.
 */
typedef struct elf_file {
	struct linker_file lf;		/* common fields, first */
	int		 preloaded;
	caddr_t		 address;	/* relocation address */
	void		*dynamic;
	u_int		 nbuckets;
	u_int		 nchains;
	const void	*buckets;
	const void	*chains;
	caddr_t		 hash;
	caddr_t		 strtab;
	int		 strsz;
	const void	*symtab;
	void		*got;
	const void	*pltrel;
	int		 pltrelsize;
	const void	*pltrela;
	int		 pltrelasize;
	const void	*rel;
	int		 relsize;
	const void	*rela;
	int		 relasize;
	caddr_t		 modptr;
	const void	*ddbsymtab;
	long		 ddbsymcnt;
	caddr_t		 ddbstrtab;
	long		 ddbstrcnt;
	caddr_t		 symbase;
	caddr_t		 strbase;
	caddr_t		 ctftab;
	long		 ctfcnt;
	caddr_t		 ctfoff;
	caddr_t		 typoff;
	long		 typlen;
	uint64_t	 pcpu_start;	/* set_pcpu before relocation */
	uint64_t	 pcpu_stop;
	uint64_t	 pcpu_base;	/* set_pcpu after relocation */
	uint64_t	 vnet_start;	/* set_vnet before relocation */
	uint64_t	 vnet_stop;
	uint64_t	 vnet_base;	/* set_vnet after relocation */
} *elf_file_t;

static struct kobj_class link_elf_class = {
	"elf64", NULL, sizeof(struct elf_file), NULL, 1, NULL,
};
static struct kobj_ops link_elf_kops = { .cls = &link_elf_class };

/*
 * Kernel symbols that modules may refer to. FreeBSD resolves a module's
 * undefined symbols through the kernel's whole symbol table; the test
 * kernel lists the few its module uses.
 */
static const struct {
	const char	*name;
	void		*address;
} kernel_symbols[] = {
	{ "curvnet", &curvnet },
	{ "ostype", ostype },
	{ "printf", (void *)printf },
	{ "snprintf", (void *)snprintf },
	{ "memcpy", (void *)memcpy },
	{ "memset", (void *)memset },
};

/* Return the address of kernel symbol name, or NULL if it is not exported. */
void *
linker_kernel_symbol(const char *name)
{
	for (size_t i = 0; i < nitems(kernel_symbols); i++) {
		if (strcmp(kernel_symbols[i].name, name) == 0)
			return (kernel_symbols[i].address);
	}
	return (NULL);
}

/*
 * Allocate a zeroed file object of cls->size bytes, fill in the common
 * fields and append it to linker_files, as linker_make_file does.
 */
linker_file_t
linker_make_file(const char *filename, const char *pathname, kobj_class_t cls)
{
	struct linker_file *lf = malloc(cls->size, 8);

	lf->ops = cls->ops;
	lf->refs = 1;
	lf->flags = LINKER_FILE_LINKED;
	lf->filename = (char *)filename;
	lf->pathname = (char *)pathname;
	lf->id = next_file_id++;
	lf->common.stqh_last = &lf->common.stqh_first;
	lf->modules.tqh_last = &lf->modules.tqh_first;
	lf->loadcnt = 1;
	TAILQ_INSERT_TAIL(&linker_files, lf, link);
	return (lf);
}

void
linker_init(void)
{
	static char filename[] = "kernel";
	static char pathname[] = "/boot/kernel/kernel";
	elf_file_t ef;

	TAILQ_INIT(&linker_files);
	link_elf_class.ops = &link_elf_kops;
	ef = (elf_file_t)linker_make_file(filename, pathname, &link_elf_class);
	ef->preloaded = 1;
	ef->lf.address = ef->address = btext;
	ef->lf.size = (size_t)(_end - btext);
	/*
	 * NOTE: FreeBSD's sys/tools/gdb/vnet.py expects the kernel's own file
	 * to report its set_vnet with vnet_base equal to vnet_start. Whether
	 * FreeBSD 14's link_elf_init fills these for the kernel is unverified.
	 */
	ef->vnet_start = ef->vnet_base = VNET_START;
	ef->vnet_stop = VNET_STOP;
	linker_kernel_file = &ef->lf;
	printf("linker: kernel at %p, %zu bytes\n", (void *)ef->lf.address,
	    ef->lf.size);
}
