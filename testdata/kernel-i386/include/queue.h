/*
 * Singly and doubly linked list heads and entries with the memory layout of
 * FreeBSD's <sys/queue.h> built without QUEUE_MACRO_DEBUG_TRACE:
 *   SLIST_HEAD  { first }            SLIST_ENTRY  { next }
 *   STAILQ_HEAD { first, last-ptr }  STAILQ_ENTRY { next }
 *   LIST_HEAD   { first }            LIST_ENTRY   { next, prev-pointer }
 *   TAILQ_HEAD  { first, last-ptr }  TAILQ_ENTRY  { next, prev-pointer }
 * Only the operations the test kernel needs are provided.
 */
#ifndef _TK_QUEUE_H_
#define _TK_QUEUE_H_

#define	SLIST_HEAD(name, type)						\
struct name {								\
	struct type *slh_first;						\
}

#define	SLIST_ENTRY(type)						\
struct {								\
	struct type *sle_next;						\
}

#define	SLIST_INSERT_HEAD(head, elm, field) do {			\
	(elm)->field.sle_next = (head)->slh_first;			\
	(head)->slh_first = (elm);					\
} while (0)

#define	STAILQ_HEAD(name, type)						\
struct name {								\
	struct type *stqh_first;					\
	struct type **stqh_last;					\
}

#define	STAILQ_ENTRY(type)						\
struct {								\
	struct type *stqe_next;						\
}

#define	STAILQ_INIT(head) do {						\
	(head)->stqh_first = NULL;					\
	(head)->stqh_last = &(head)->stqh_first;			\
} while (0)

#define	STAILQ_INSERT_TAIL(head, elm, field) do {			\
	(elm)->field.stqe_next = NULL;					\
	*(head)->stqh_last = (elm);					\
	(head)->stqh_last = &(elm)->field.stqe_next;			\
} while (0)

#define	LIST_HEAD(name, type)						\
struct name {								\
	struct type *lh_first;						\
}

#define	LIST_ENTRY(type)						\
struct {								\
	struct type *le_next;						\
	struct type **le_prev;						\
}

#define	LIST_FIRST(head)	((head)->lh_first)
#define	LIST_NEXT(elm, field)	((elm)->field.le_next)

#define	LIST_FOREACH(var, head, field)					\
	for ((var) = LIST_FIRST(head); (var) != NULL;			\
	    (var) = LIST_NEXT(var, field))

/* Link elm in front of the current first element of head. */
#define	LIST_INSERT_HEAD(head, elm, field) do {				\
	(elm)->field.le_next = (head)->lh_first;			\
	if ((elm)->field.le_next != NULL)				\
		(elm)->field.le_next->field.le_prev =			\
		    &(elm)->field.le_next;				\
	(head)->lh_first = (elm);					\
	(elm)->field.le_prev = &(head)->lh_first;			\
} while (0)

#define	TAILQ_HEAD(name, type)						\
struct name {								\
	struct type *tqh_first;						\
	struct type **tqh_last;						\
}

#define	TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;						\
	struct type **tqe_prev;						\
}

#define	TAILQ_FIRST(head)	((head)->tqh_first)
#define	TAILQ_NEXT(elm, field)	((elm)->field.tqe_next)

#define	TAILQ_INIT(head) do {						\
	(head)->tqh_first = NULL;					\
	(head)->tqh_last = &(head)->tqh_first;				\
} while (0)

#define	TAILQ_FOREACH(var, head, field)					\
	for ((var) = TAILQ_FIRST(head); (var) != NULL;			\
	    (var) = TAILQ_NEXT(var, field))

/* Append elm after the current last element of head. */
#define	TAILQ_INSERT_TAIL(head, elm, field) do {			\
	(elm)->field.tqe_next = NULL;					\
	(elm)->field.tqe_prev = (head)->tqh_last;			\
	*(head)->tqh_last = (elm);					\
	(head)->tqh_last = &(elm)->field.tqe_next;			\
} while (0)

/* Link elm directly in front of listelm, which is already on a list. */
#define	TAILQ_INSERT_BEFORE(listelm, elm, field) do {			\
	(elm)->field.tqe_prev = (listelm)->field.tqe_prev;		\
	(elm)->field.tqe_next = (listelm);				\
	*(listelm)->field.tqe_prev = (elm);				\
	(listelm)->field.tqe_prev = &(elm)->field.tqe_next;		\
} while (0)

#endif /* !_TK_QUEUE_H_ */
