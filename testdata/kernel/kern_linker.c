/*
 * The kernel linker's file list with a single entry for the kernel itself,
 * and the kld_off_* constants FreeBSD exports so that debuggers can walk
 * linker_files without type information (sys/kern/kern_linker.c).
 */
#include "kernel.h"
#include "linker.h"

static linker_file_list_t linker_files __used;
linker_file_t linker_kernel_file;

const int kld_off_address = offsetof(struct linker_file, address);
const int kld_off_filename = offsetof(struct linker_file, filename);
const int kld_off_pathname = offsetof(struct linker_file, pathname);
const int kld_off_next = offsetof(struct linker_file, link.tqe_next);

/* Module search path (kern.module_path). */
char linker_path[] = "/boot/kernel;/boot/modules";

extern char btext[], _end[];

void
linker_init(void)
{
	struct linker_file *lf;
	static char filename[] = "kernel";
	static char pathname[] = "/boot/kernel/kernel";

	TAILQ_INIT(&linker_files);
	lf = malloc(sizeof(*lf), 8);
	lf->refs = 1;
	lf->userrefs = 0;
	lf->flags = LINKER_FILE_LINKED;
	lf->filename = filename;
	lf->pathname = pathname;
	lf->id = 1;
	lf->address = btext;
	lf->size = (size_t)(_end - btext);
	lf->common.stqh_last = &lf->common.stqh_first;
	lf->modules.tqh_last = &lf->modules.tqh_first;
	lf->loadcnt = 1;
	TAILQ_INSERT_TAIL(&linker_files, lf, link);
	linker_kernel_file = lf;
	printf("linker: kernel at %p, %zu bytes\n", (void *)lf->address,
	    lf->size);
}
