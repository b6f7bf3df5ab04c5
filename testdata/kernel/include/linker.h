/*
 * The kernel linker's file list with the layout of struct linker_file in
 * FreeBSD 14 (sys/sys/linker.h). KOBJ_FIELDS is a single ops pointer.
 */
#ifndef _TK_LINKER_H_
#define _TK_LINKER_H_

#include "queue.h"
#include "types.h"

struct module;
struct common_symbol;

/*
 * Kernel objects (sys/sys/kobj.h): every linker file starts with a pointer
 * to the ops table of its class, whose cls names the class, "elf64" for
 * link_elf.c and "elf64_obj" for link_elf_obj.c.
 */
#define	KOBJ_CACHE_SIZE	256

typedef struct kobj_method kobj_method_t;
typedef struct kobj_class *kobj_class_t;
typedef struct kobj_ops *kobj_ops_t;

struct kobj_method {
	void		*desc;
	void		*func;
};

struct kobj_class {
	const char	*name;		/* class name */
	kobj_method_t	*methods;
	size_t		 size;		/* object size */
	kobj_class_t	*baseclasses;
	u_int		 refs;
	kobj_ops_t	 ops;		/* compiled method table */
};

struct kobj_ops {
	kobj_method_t	*cache[KOBJ_CACHE_SIZE];
	kobj_class_t	 cls;
};

typedef struct linker_file *linker_file_t;

struct linker_file {
	struct kobj_ops	*ops;
	int		 refs;		/* reference count */
	int		 userrefs;	/* kldload(2) count */
	int		 flags;
#define	LINKER_FILE_LINKED	0x1
	TAILQ_ENTRY(linker_file) link;	/* entry on linker_files */
	char		*filename;	/* file name as loaded */
	char		*pathname;	/* full path */
	int		 id;		/* unique id */
	caddr_t		 address;	/* load address */
	size_t		 size;		/* bytes mapped */
	caddr_t		 ctors_addr;
	size_t		 ctors_size;
	caddr_t		 dtors_addr;
	size_t		 dtors_size;
	int		 ndeps;
	linker_file_t	*deps;
	struct {
		struct common_symbol *stqh_first;
		struct common_symbol **stqh_last;
	} common;
	TAILQ_HEAD(, module) modules;
	TAILQ_ENTRY(linker_file) loaded;
	int		 loadcnt;
	int		 nenabled;
	int		 fbt_nentries;
};

typedef TAILQ_HEAD(, linker_file) linker_file_list_t;
extern linker_file_t linker_kernel_file;

linker_file_t	linker_make_file(const char *filename, const char *pathname,
		    kobj_class_t cls);
void		*linker_kernel_symbol(const char *name);
void		 linker_load_modules(void);

#endif /* !_TK_LINKER_H_ */
