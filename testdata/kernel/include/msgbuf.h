/*
 * The kernel message buffer with the layout of struct msgbuf in FreeBSD 14
 * (sys/sys/msgbuf.h). As on FreeBSD amd64, the header sits in the last bytes
 * of the buffer's memory and msg_size counts only the text area before it.
 */
#ifndef _TK_MSGBUF_H_
#define _TK_MSGBUF_H_

#include "jail.h"
#include "types.h"

struct msgbuf {
	char	*msg_ptr;	/* start of the text area */
#define	MSG_MAGIC	0x063062
	u_int	 msg_magic;
	u_int	 msg_size;	/* bytes in the text area */
	u_int	 msg_wseq;	/* write sequence number */
	u_int	 msg_rseq;	/* read sequence number */
	u_int	 msg_cksum;	/* sum of the bytes in the buffer */
	u_int	 msg_seqmod;	/* sequence numbers run modulo this */
	int	 msg_lastpri;	/* priority of the last line */
	u_int	 msg_flags;
	struct mtx msg_lock;
};

/* Memory reserved for the message buffer: FreeBSD's MSGBUF_SIZE default. */
#define	MSGBUF_SIZE	(32768 * 3)

extern struct msgbuf *msgbufp;

#endif /* !_TK_MSGBUF_H_ */
