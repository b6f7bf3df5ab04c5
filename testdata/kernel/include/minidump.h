/*
 * Header of an amd64 minidump, as in FreeBSD's sys/amd64/include/minidump.h.
 * Version 3 adds dumpavailsize; versions 1 and 2 stop after dmapend.
 */
#ifndef _TK_MINIDUMP_H_
#define _TK_MINIDUMP_H_

#include "types.h"

#define	MINIDUMP_MAGIC		"minidump FreeBSD/amd64"
#define	MINIDUMP_VERSION	3

struct minidumphdr {
	char		magic[24];
	uint32_t	version;
	uint32_t	msgbufsize;
	uint32_t	bitmapsize;
	uint32_t	pmapsize;
	uint64_t	kernbase;
	uint64_t	dmapbase;
	uint64_t	dmapend;
	uint32_t	dumpavailsize;
};

#endif /* !_TK_MINIDUMP_H_ */
