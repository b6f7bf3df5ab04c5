// Command gen writes vnet_scale_vars.c, the generated V_ variables of the
// test kernel's scale configuration, and the constructor that gives each
// vnet its own values.
//
// Usage:
//
//	go run ./testdata/kernel/scale/gen -vars 1500 -out FILE
//
// The mix of kinds imitates a FreeBSD GENERIC kernel's set_vnet: mostly
// integer sysctl knobs, then structures (locks, callouts, hash tables,
// statistics), pointers, queue(3) heads, counter(9) counters and arrays.
// The output depends only on -vars, so two runs write the same file.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strings"
)

// A kind is one sort of generated variable: its share of the total, how
// its definition and its per-vnet assignment are written.
type kind struct {
	name  string
	share float64
	noun  []string
	// define returns the VNET_DEFINE line of variable v.
	define func(v *variable) string
	// assign returns the C statements that set v in curvnet; o is the
	// ordinal and v.slot the first slot number passed to scale_value.
	assign func(v *variable) string
}

// A variable is one generated V_ variable.
type variable struct {
	name  string
	index int
	kind  *kind
	rng   *rand.Rand // fixed per variable, for its type and template value
	// slot is the first argument to scale_value reserved for this variable;
	// each variable gets 64 slots.
	slot int
	// ctype is the C type of a scalar, chosen by define.
	ctype string
}

// scalarTypes are the integer types of sysctl knobs, with weights.
var scalarTypes = []struct {
	ctype  string
	weight int
}{
	{"int", 40}, {"u_int", 20}, {"bool", 10}, {"u_long", 8}, {"long", 4},
	{"uint32_t", 6}, {"uint16_t", 4}, {"uint8_t", 4}, {"int64_t", 2}, {"uint64_t", 2},
}

var subsystems = []string{
	"tcp", "udp", "ip", "ip6", "icmp", "icmp6", "nd6", "mld", "igmp", "carp",
	"pf", "ipfw", "ipsec", "route", "if", "bpf", "rip", "sctp", "gif", "gre",
	"lagg", "bridge", "vxlan", "dummynet", "frag6", "rip6", "divert",
	"syncache", "hostcache", "pfsync", "natt", "mac", "lltable", "arp",
}

func pickScalar(rng *rand.Rand) string {
	total := 0
	for _, t := range scalarTypes {
		total += t.weight
	}
	n := rng.IntN(total)
	for _, t := range scalarTypes {
		if n < t.weight {
			return t.ctype
		}
		n -= t.weight
	}
	panic("unreachable")
}

// scalarTemplate returns a C initializer of type ctype.
func scalarTemplate(rng *rand.Rand, ctype string) string {
	switch ctype {
	case "bool":
		return []string{"false", "true"}[rng.IntN(2)]
	case "long", "int64_t", "int":
		return fmt.Sprint(rng.IntN(4096) - 512)
	case "uint8_t":
		return fmt.Sprint(rng.IntN(256))
	default:
		return fmt.Sprint(rng.IntN(65536))
	}
}

// scalarAssign returns the per-vnet value of a scalar: the full range of
// the type for odd indexes, small numbers for even ones.
func scalarAssign(ctype, target string, slot int) string {
	if ctype == "bool" {
		return fmt.Sprintf("\t%s = (scale_value(o, %d) & 1) != 0;\n", target, slot)
	}
	if slot%128 == 0 {
		return fmt.Sprintf("\t%s = (%s)(scale_value(o, %d) %% 65536);\n", target, ctype, slot)
	}
	return fmt.Sprintf("\t%s = (%s)scale_value(o, %d);\n", target, ctype, slot)
}

// keepsTemplate reports which variables stay at their template value in
// every vnet, as most sysctl knobs do on a real system.
func keepsTemplate(v *variable) bool {
	return v.index%3 == 0
}

func vnet(v *variable) string { return "VNET(" + v.name + ")" }

var kinds = []*kind{
	{name: "scalar", share: 0.41, noun: []string{"enable", "maxlen", "timeout", "interval", "limit", "debug", "count", "hiwat", "lowat", "ttl", "mtu", "retries", "burst", "rate", "minmss", "backlog", "hashsize", "policy"},
		define: func(v *variable) string {
			v.ctype = pickScalar(v.rng)
			return fmt.Sprintf("VNET_DEFINE(%s, %s) = %s;", v.ctype, v.name, scalarTemplate(v.rng, v.ctype))
		},
		assign: func(v *variable) string {
			if keepsTemplate(v) {
				return ""
			}
			return scalarAssign(v.ctype, vnet(v), v.slot)
		}},
	{name: "enum", share: 0.03, noun: []string{"state", "mode", "algo"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(enum scale_state, %s) = SCALE_ST_LISTEN;", v.name)
		},
		assign: func(v *variable) string {
			// 12 values, of which 3, 5 to 9 and 11 have no enumerator.
			return fmt.Sprintf("\t%s = (enum scale_state)(scale_value(o, %d) %% 12);\n", vnet(v), v.slot)
		}},
	{name: "bits", share: 0.02, noun: []string{"flags", "opts"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(struct scale_flags, %s) = { .sf_enable = 1, .sf_mode = 2 };", v.name)
		},
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_flags_set(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "zoneptr", share: 0.04, noun: []string{"zone", "zone_ptr"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(scale_zone_t, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\t%s = scale_zone_create(\"%s\", o, %d);\n", vnet(v), v.name, v.slot)
		}},
	{name: "voidptr", share: 0.02, noun: []string{"softc", "cookie", "arg"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(void *, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\t%s = scale_value(o, %d) %% 3 == 0 ? NULL : (void *)&%s;\n", vnet(v), v.slot, vnet(v))
		}},
	{name: "strptr", share: 0.01, noun: []string{"descr", "ident"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(const char *, %s) = ostype;", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\t%s = scale_value(o, %d) %% 2 == 0 ? osrelease : ostype;\n", vnet(v), v.slot)
		}},
	{name: "funcptr", share: 0.02, noun: []string{"hook", "handler", "input"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(scale_hook_t *, %s) = scale_hook_a;", v.name)
		},
		assign: func(v *variable) string {
			return fmt.Sprintf("\t%s = scale_hooks[scale_value(o, %d) %% 3];\n", vnet(v), v.slot)
		}},
	{name: "tailq", share: 0.03, noun: []string{"head", "list", "queue"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(struct scale_tqhead, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_tailq_fill(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "list", share: 0.03, noun: []string{"head", "hash", "list"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(struct scale_lehead, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_list_fill(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "stailq", share: 0.02, noun: []string{"rules", "queue"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(struct scale_stqhead, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_stailq_fill(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "slist", share: 0.02, noun: []string{"routers", "free"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(struct scale_slhead, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_slist_fill(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "lock", share: 0.04, noun: []string{"mtx", "lock", "rwlock"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(struct scale_lock, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_lock_init(&%s, \"%s\", o, %d);\n", vnet(v), v.name, v.slot)
		}},
	{name: "callout", share: 0.04, noun: []string{"callout", "timer", "slowtimo"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(struct scale_callout, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_callout_init(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "hashinfo", share: 0.03, noun: []string{"hashinfo", "table"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(struct scale_hashinfo, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_hashinfo_init(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "stats", share: 0.03, noun: []string{"stats", "stat"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(struct scale_stats, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_stats_init(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "union", share: 0.01, noun: []string{"addr", "mask"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(union scale_addr, %s) = { .a_bytes = { 0xfe, 0x80 } };", v.name)
		},
		assign: func(v *variable) string {
			return fmt.Sprintf("\tscale_addr_set(&%s, o, %d);\n", vnet(v), v.slot)
		}},
	{name: "intarr", share: 0.04, noun: []string{"ports", "weights", "table"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(int, %s[%d]);", v.name, 4+v.rng.IntN(13))
		},
		assign: func(v *variable) string {
			return fmt.Sprintf("\tfor (size_t k = 0; k < nitems(%s); k++)\n\t\t%s[k] = (int)scale_value(o, %d + k);\n",
				vnet(v), vnet(v), v.slot)
		}},
	{name: "bytearr", share: 0.015, noun: []string{"key", "lladdr", "secret"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(uint8_t, %s[%d]);", v.name, []int{6, 16, 20, 32}[v.rng.IntN(4)])
		},
		assign: func(v *variable) string {
			return fmt.Sprintf("\tfor (size_t k = 0; k < nitems(%s); k++)\n\t\t%s[k] = (uint8_t)scale_value(o, %d + k);\n",
				vnet(v), vnet(v), v.slot)
		}},
	{name: "chararr", share: 0.015, noun: []string{"name", "ifname"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(char, %s[16]) = \"default\";", v.name)
		},
		assign: func(v *variable) string {
			return fmt.Sprintf("\tsnprintf(%s, sizeof(%s), \"%s%%d\", (int)o);\n", vnet(v), vnet(v), []string{"lo", "em", "vtnet", "epair"}[v.index%4])
		}},
	{name: "zonearr", share: 0.01, noun: []string{"zones"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(scale_zone_t, %s[4]);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\tfor (int k = 0; k < 4; k++)\n\t\t%s[k] = k == 3 ? NULL : scale_zone_create(\"%s\", o, %d + k);\n",
				vnet(v), v.name, v.slot)
		}},
	{name: "hasharr", share: 0.01, noun: []string{"hashtbls"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(struct scale_hashinfo, %s[%d]);", v.name, 2+v.rng.IntN(3))
		},
		assign: func(v *variable) string {
			return fmt.Sprintf("\tfor (size_t k = 0; k < nitems(%s); k++)\n\t\tscale_hashinfo_init(&%s[k], o, %d + 4 * k);\n",
				vnet(v), vnet(v), v.slot)
		}},
	{name: "counter", share: 0.06, noun: []string{"drops", "overflows", "errors", "packets"},
		define: func(v *variable) string { return fmt.Sprintf("VNET_DEFINE(counter_u64_t, %s);", v.name) },
		assign: func(v *variable) string {
			return fmt.Sprintf("\t%s = scale_counter_new(o, %d);\n", vnet(v), v.slot)
		}},
	{name: "counterarr", share: 0.01, noun: []string{"stat", "stats"},
		define: func(v *variable) string {
			return fmt.Sprintf("VNET_DEFINE(counter_u64_t, %s[%d]);", v.name, 4+v.rng.IntN(9))
		},
		assign: func(v *variable) string {
			return fmt.Sprintf("\tfor (size_t k = 0; k < nitems(%s); k++)\n\t\t%s[k] = scale_counter_new(o, %d + 4 * k);\n",
				vnet(v), vnet(v), v.slot)
		}},
	{name: "qualified", share: 0.04, noun: []string{"gen", "seq", "ticks"},
		define: func(v *variable) string {
			ct := []string{"volatile u_int", "volatile uint64_t", "scale_seq_t", "volatile scale_seq_t"}[v.index%4]
			return fmt.Sprintf("VNET_DEFINE(%s, %s) = %d;", ct, v.name, v.rng.IntN(1000))
		},
		assign: func(v *variable) string {
			// Only the low 32 bits change, so the uint64_t keeps its template's high half.
			return fmt.Sprintf("\t*(uint32_t *)&%s = (uint32_t)scale_value(o, %d);\n", vnet(v), v.slot)
		}},
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	nvars := flag.Int("vars", 1500, "number of V_ variables to generate")
	out := flag.String("out", "", "C file to write (required)")
	flag.Parse()
	// With fewer than 100 variables some kinds get none, and clang rejects
	// their unused helper functions.
	if *out == "" || *nvars < 100 {
		log.Fatal("usage: gen -vars N -out FILE (N at least 100)")
	}

	vars := plan(*nvars)
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	write(w, vars)
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// plan returns n variables: each kind's share of n, rounded, with the rest
// given to scalars, in a shuffled order.
func plan(n int) []*variable {
	var list []*kind
	for _, k := range kinds[1:] {
		for range int(k.share*float64(n) + 0.5) {
			list = append(list, k)
		}
	}
	for len(list) < n {
		list = append(list, kinds[0])
	}
	rng := rand.New(rand.NewPCG(1500, 1000))
	rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })

	vars := make([]*variable, 0, n)
	for i, k := range list[:n] {
		sub := subsystems[rng.IntN(len(subsystems))]
		noun := k.noun[rng.IntN(len(k.noun))]
		vars = append(vars, &variable{
			name:  fmt.Sprintf("%s_%s_%04d", sub, noun, i),
			index: i,
			kind:  k,
			rng:   rand.New(rand.NewPCG(uint64(i), 7)),
			slot:  64 * i,
		})
	}
	return vars
}

// varsPerFunction keeps each generated constructor function short enough
// to compile quickly at -O1.
const varsPerFunction = 100

func write(w *bufio.Writer, vars []*variable) {
	w.WriteString(prelude)
	counts := map[string]int{}
	for _, v := range vars {
		counts[v.kind.name]++
	}
	var summary []string
	for _, k := range kinds {
		summary = append(summary, fmt.Sprintf("%s %d", k.name, counts[k.name]))
	}
	fmt.Fprintf(w, "\n/* %d variables: %s. */\n", len(vars), strings.Join(summary, ", "))
	for _, v := range vars {
		w.WriteString(v.kind.define(v) + "\n")
	}

	nfuncs := 0
	for start := 0; start < len(vars); start += varsPerFunction {
		end := min(start+varsPerFunction, len(vars))
		fmt.Fprintf(w, "\nstatic void\nscale_vars_init_%d(uint64_t o)\n{\n", nfuncs)
		for _, v := range vars[start:end] {
			w.WriteString(v.kind.assign(v))
		}
		w.WriteString("}\n")
		nfuncs++
	}

	w.WriteString("\n/* Set every generated variable in curvnet, the vnet with this ordinal. */\n")
	w.WriteString("void\nscale_vars_init(int ordinal)\n{\n\tscale_counter_slab_new();\n")
	for i := range nfuncs {
		fmt.Fprintf(w, "\tscale_vars_init_%d((uint64_t)ordinal);\n", i)
	}
	w.WriteString("}\n")
}

// prelude contains the types and helpers the generated code uses.
const prelude = `/*
 * Generated by testdata/kernel/scale/gen; do not edit. The V_ variables of
 * the scale configuration and the constructor that sets them per vnet.
 */
#include "jail.h"
#include "kernel.h"
#include "pcpu.h"
#include "vnet.h"

void	scale_vars_init(int ordinal);

enum scale_state {
	SCALE_ST_CLOSED = 0,
	SCALE_ST_LISTEN = 1,
	SCALE_ST_SYN_SENT = 2,
	SCALE_ST_ESTABLISHED = 4,
	SCALE_ST_TIME_WAIT = 10,
};

/* Lock stand-in: struct lock_object followed by mtx_lock, as struct mtx. */
struct scale_lock {
	const char		*lo_name;
	u_int			 lo_flags;
	u_int			 lo_data;
	void			*lo_witness;
	volatile uintptr_t	 mtx_lock;
};

/* The members of FreeBSD's struct callout that a reader sees. */
struct scale_callout {
	int64_t			 c_time;
	int64_t			 c_precision;
	void			*c_arg;
	void			(*c_func)(void *);
	struct scale_lock	*c_lock;
	short			 c_flags;
	short			 c_iflags;
	volatile int		 c_cpu;
};

struct scale_hashinfo {
	void		*hi_table;
	u_long		 hi_mask;
	u_int		 hi_count;
	u_int		 hi_gencnt;
};

struct scale_stats {
	uint64_t	st_packets;
	uint64_t	st_bytes;
	uint64_t	st_drops;
	uint32_t	st_errors;
	uint16_t	st_last_code;
	struct {
		uint32_t	lo;
		uint32_t	hi;
	} st_window;
};

/* Bit-fields; sf_delta and sf_mask cross byte boundaries. */
struct scale_flags {
	unsigned int	 sf_enable:1;
	unsigned int	 sf_mode:3;
	int		 sf_delta:7;
	unsigned int	 sf_mask:13;
	uint64_t	 sf_stamp:41;
	bool		 sf_verbose:1;
	enum scale_state sf_state:4;
};

/* UMA zone stand-in, allocated per vnet as VNET_SYSINIT code does. */
struct scale_zone {
	const char	*uz_name;
	u_int		 uz_size;
	u_int		 uz_flags;
	uint64_t	 uz_allocs;
};
typedef struct scale_zone *scale_zone_t;

union scale_addr {
	uint32_t	a4;
	uint8_t		a_bytes[16];
	uint16_t	a_words[8];
};

typedef uint32_t scale_seq_t;

struct scale_tq {
	TAILQ_ENTRY(scale_tq) tq_link;
	uint32_t	 tq_id;
	uint16_t	 tq_flags;
};
TAILQ_HEAD(scale_tqhead, scale_tq);

struct scale_le {
	LIST_ENTRY(scale_le) le_link;
	uint64_t	 le_key;
	int		 le_refs;
};
LIST_HEAD(scale_lehead, scale_le);

struct scale_stq {
	STAILQ_ENTRY(scale_stq) stq_link;
	uint16_t	 stq_num;
	uint8_t		 stq_action;
};
STAILQ_HEAD(scale_stqhead, scale_stq);

struct scale_sl {
	SLIST_ENTRY(scale_sl) sl_link;
	union scale_addr sl_addr;
	u_short		 sl_lifetime;
};
SLIST_HEAD(scale_slhead, scale_sl);

typedef void scale_hook_t(void *arg);

static void __attribute__((noinline))
scale_hook_a(void *arg)
{
	(void)arg;
}

static void __attribute__((noinline))
scale_hook_b(void *arg)
{
	(void)arg;
}

static scale_hook_t *const scale_hooks[3] = { scale_hook_a, scale_hook_b, NULL };

/* The value of one slot in one vnet: splitmix64 of ordinal and slot. */
static uint64_t __attribute__((noinline))
scale_value(uint64_t ordinal, uint64_t slot)
{
	uint64_t z = ordinal * 0x9e3779b97f4a7c15ULL +
	    slot * 0xbf58476d1ce4e5b9ULL + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* counter(9) slabs of the generated counters, one or more per vnet. */
static struct pcpu_slab scale_slab;

static void
scale_counter_slab_new(void)
{
	pcpu_slab_init(&scale_slab);
}

/* Allocate a counter and give each CPU's slot its own value. */
static counter_u64_t
scale_counter_new(uint64_t o, uint64_t slot)
{
	counter_u64_t c;

	if (scale_slab.ps_used + sizeof(uint64_t) > UMA_PCPU_ALLOC_SIZE)
		scale_counter_slab_new();
	c = counter_u64_alloc(&scale_slab);
	for (int cpu = 0; cpu <= (int)mp_maxid; cpu++)
		counter_u64_add_cpu(c, cpu,
		    (int64_t)(scale_value(o, slot + (uint64_t)cpu) % 1000000007));
	return (c);
}

static void
scale_flags_set(struct scale_flags *f, uint64_t o, uint64_t slot)
{
	uint64_t x = scale_value(o, slot);

	f->sf_enable = x & 1;
	f->sf_mode = (x >> 1) & 7;
	f->sf_delta = (int)((x >> 4) & 0x7f) - 64;
	f->sf_mask = (x >> 11) & 0x1fff;
	f->sf_stamp = scale_value(o, slot + 1);
	f->sf_verbose = (x >> 24) & 1;
	f->sf_state = (enum scale_state)((x >> 25) % 12);
}

static scale_zone_t
scale_zone_create(const char *name, uint64_t o, uint64_t slot)
{
	scale_zone_t z = malloc(sizeof(*z), 8);

	z->uz_name = name;
	z->uz_size = (u_int)(16 << (scale_value(o, slot) % 8));
	z->uz_flags = (u_int)scale_value(o, slot + 1) & 0xffff;
	z->uz_allocs = scale_value(o, slot + 2);
	return (z);
}

static void
scale_lock_init(struct scale_lock *lk, const char *name, uint64_t o,
    uint64_t slot)
{
	lk->lo_name = name;
	lk->lo_flags = 0x00030000 | (u_int)(scale_value(o, slot) & 0xff);
	lk->lo_data = 0;
	lk->lo_witness = NULL;
	lk->mtx_lock = scale_value(o, slot + 1) % 5 == 0 ? (uintptr_t)curvnet : 4;
}

static void
scale_callout_init(struct scale_callout *c, uint64_t o, uint64_t slot)
{
	c->c_time = (int64_t)(scale_value(o, slot) >> 8);
	c->c_precision = (int64_t)(scale_value(o, slot + 1) % 100000);
	c->c_arg = curvnet;
	c->c_func = scale_hooks[scale_value(o, slot + 2) % 3];
	c->c_lock = NULL;
	c->c_flags = (short)(scale_value(o, slot + 3) & 0x7f);
	c->c_iflags = (short)(scale_value(o, slot + 4) & 0x3);
	c->c_cpu = (int)(scale_value(o, slot + 5) % 4);
}

static void
scale_hashinfo_init(struct scale_hashinfo *h, uint64_t o, uint64_t slot)
{
	h->hi_table = NULL;
	h->hi_mask = (1UL << (scale_value(o, slot) % 12)) - 1;
	h->hi_count = (u_int)(scale_value(o, slot + 1) % 5000);
	h->hi_gencnt = (u_int)scale_value(o, slot + 2);
}

static void
scale_stats_init(struct scale_stats *st, uint64_t o, uint64_t slot)
{
	st->st_packets = scale_value(o, slot);
	st->st_bytes = scale_value(o, slot + 1);
	st->st_drops = scale_value(o, slot + 2) % 1000;
	st->st_errors = (uint32_t)scale_value(o, slot + 3);
	st->st_last_code = (uint16_t)scale_value(o, slot + 4);
	st->st_window.lo = (uint32_t)scale_value(o, slot + 5);
	st->st_window.hi = (uint32_t)(scale_value(o, slot + 5) >> 32);
}

static void
scale_addr_set(union scale_addr *a, uint64_t o, uint64_t slot)
{
	for (int k = 0; k < 16; k++)
		a->a_bytes[k] = (uint8_t)scale_value(o, slot + (uint64_t)k);
}

/* Lists of 0 to 3 elements, the count depending on vnet and variable. */

static void
scale_tailq_fill(struct scale_tqhead *head, uint64_t o, uint64_t slot)
{
	TAILQ_INIT(head);
	for (uint64_t i = 0; i < scale_value(o, slot) % 4; i++) {
		struct scale_tq *e = malloc(sizeof(*e), 8);

		e->tq_id = (uint32_t)scale_value(o, slot + 1 + i);
		e->tq_flags = (uint16_t)i;
		TAILQ_INSERT_TAIL(head, e, tq_link);
	}
}

static void
scale_list_fill(struct scale_lehead *head, uint64_t o, uint64_t slot)
{
	for (uint64_t i = 0; i < scale_value(o, slot) % 4; i++) {
		struct scale_le *e = malloc(sizeof(*e), 8);

		e->le_key = scale_value(o, slot + 1 + i);
		e->le_refs = (int)i + 1;
		LIST_INSERT_HEAD(head, e, le_link);
	}
}

static void
scale_stailq_fill(struct scale_stqhead *head, uint64_t o, uint64_t slot)
{
	STAILQ_INIT(head);
	for (uint64_t i = 0; i < scale_value(o, slot) % 4; i++) {
		struct scale_stq *e = malloc(sizeof(*e), 8);

		e->stq_num = (uint16_t)(100 * (i + 1));
		e->stq_action = (uint8_t)scale_value(o, slot + 1 + i);
		STAILQ_INSERT_TAIL(head, e, stq_link);
	}
}

static void
scale_slist_fill(struct scale_slhead *head, uint64_t o, uint64_t slot)
{
	for (uint64_t i = 0; i < scale_value(o, slot) % 4; i++) {
		struct scale_sl *e = malloc(sizeof(*e), 8);

		scale_addr_set(&e->sl_addr, o, slot + 8 + 16 * i);
		e->sl_lifetime = (u_short)(1800 - 60 * i);
		SLIST_INSERT_HEAD(head, e, sl_link);
	}
}
`
