/*
 * Virtualized (V_) variables of the test kernel and the constructors that
 * give each vnet its own values.
 *
 * The set covers the C types a vnet reader has to decode. There are
 * integers of every width and signedness, bool, and enums with values
 * that have no enumerator. There are bit-fields that cross byte
 * boundaries, unions, nested structures, and arrays of scalars, of
 * structures and of two dimensions. Strings and raw bytes, pointers (into
 * the same vnet, to kernel globals, to heap objects, NULL), function
 * pointers, queue(3) heads, typedef chains and qualifiers complete it.
 * Names follow FreeBSD's network stack where one fits.
 *
 * Ordinals: 0 is vnet0 (prison0), then the jails web, db, mail, dns and
 * web.php in creation order. Variables left out of the constructors keep
 * their template value in every vnet.
 */
#include "jail.h"
#include "kernel.h"
#include "pcpu.h"
#include "vnet.h"

#define	NVNETS	6

/* Enumerations. */

enum tcp_cc_algo {
	TCP_CC_NEWRENO = 0,
	TCP_CC_CUBIC = 1,
	TCP_CC_HTCP = 2,
	TCP_CC_DCTCP = 3,
	TCP_CC_BBR = 5,
};

/* A signed enumeration: one enumerator is negative. */
enum ipfw_verbose_level {
	IPFW_VERBOSE_OFF = -1,
	IPFW_VERBOSE_LOW = 1,
	IPFW_VERBOSE_HIGH = 10,
};

/* Bit-fields. */

/*
 * TCP options packed into bit-fields. rexmit_slop, mss_shift and
 * rtt_adjust cross byte boundaries, and seq_hi starts a new 64-bit unit.
 */
struct tcp_cfg_bits {
	unsigned int	sack_enable:1;
	unsigned int	ecn_mode:3;
	int		rexmit_slop:6;
	unsigned int	mss_shift:11;
	int		rtt_adjust:9;
	unsigned int	:2;
	uint8_t		flags8;
	uint64_t	seq_hi:40;
	int64_t		drift:20;
	bool		syncookies:1;
	enum tcp_cc_algo cc_bits:3;
};

/* A packed IPv4 header template whose bit-fields straddle bytes. */
struct ip_hdr_bits {
	uint8_t		ip_hl:4;
	uint8_t		ip_v:4;
	uint8_t		ip_tos;
	uint32_t	ip_off:13;
	uint32_t	ip_flags:3;
	int32_t		ip_ttl_delta:9;
	uint32_t	ip_sum_lo:7;
	uint16_t	ip_id;
} __packed;

/* Unions and typedef chains. */

union in_addr_u {
	uint32_t	s_addr;
	uint8_t		s_bytes[4];
	uint16_t	s_half[2];
};

typedef uint32_t n_long;
typedef n_long in_addr_t;
typedef in_addr_t gateway_addr_t;

/* Interfaces, a TAILQ as FreeBSD's struct ifnethead. */

struct ifnet {
	TAILQ_ENTRY(ifnet) if_link;
	char		 if_xname[16];
	u_short		 if_index;
	int		 if_flags;
	u_int		 if_mtu;
	uint8_t		 if_lladdr[6];
	struct vnet	*if_vnet;
};
TAILQ_HEAD(ifnethead, ifnet);

#define	IFF_UP		0x1
#define	IFF_LOOPBACK	0x8
#define	IFF_RUNNING	0x40

/* Protocol control blocks, a LIST inside a struct inpcbinfo. */

struct inpcb {
	LIST_ENTRY(inpcb) inp_list;
	u_short		 inp_lport;
	u_short		 inp_fport;
	union in_addr_u	 inp_laddr;
	union in_addr_u	 inp_faddr;
	int		 inp_flags;
};
LIST_HEAD(inpcbhead, inpcb);

/* Lock stand-in with the members of FreeBSD's struct lock_object. */
struct lock_object {
	const char	*lo_name;
	u_int		 lo_flags;
	u_int		 lo_data;
	void		*lo_witness;
};

struct inpcbinfo {
	struct inpcbhead	 ipi_listhead;
	u_int			 ipi_count;
	uint64_t		 ipi_gencnt;
	u_short			 ipi_lastport;
	u_short			 ipi_lastlow;
	u_short			 ipi_lasthi;
	u_long			 ipi_hashmask;
	u_long			 ipi_porthashmask;
	struct lock_object	 ipi_lock;
	union {
		void		*ipi_zone;
		uintptr_t	 ipi_zone_addr;
	};
	struct vnet		*ipi_vnet;
};
typedef struct inpcbinfo inpcbinfo_t;
typedef inpcbinfo_t *inpcbinfo_p;

/* IP reassembly queue entries, a plain LIST_HEAD. */

struct ipq {
	LIST_ENTRY(ipq)	 ipq_list;
	uint16_t	 ipq_id;
	uint8_t		 ipq_nfrags;
	uint8_t		 ipq_ttl;
};
LIST_HEAD(ipqhead, ipq);

/* Statistics with a nested structure and an array member. */

struct ipstat_frag {
	uint64_t	ipf_fragments;
	uint64_t	ipf_dropped;
	uint32_t	ipf_timeout;
};

struct ipstat {
	uint64_t		ips_total;
	uint64_t		ips_badsum;
	uint64_t		ips_tooshort;
	struct ipstat_frag	ips_frag;
	uint64_t		ips_delivered[4];
	int32_t			ips_last_error;
};

/*
 * counter(9) statistics: structures of uint64_t whose virtualized copy is
 * an array of counter_u64_t, one per member (VNET_PCPUSTAT_DEFINE).
 */

struct tcpstat {
	uint64_t	tcps_connattempt;
	uint64_t	tcps_accepts;
	uint64_t	tcps_connects;
	uint64_t	tcps_drops;
	uint64_t	tcps_sndtotal;
	uint64_t	tcps_sndbyte;
	uint64_t	tcps_rcvtotal;
	uint64_t	tcps_rcvbyte;
};

struct udpstat {
	uint64_t	udps_ipackets;
	uint64_t	udps_hdrops;
	uint64_t	udps_badsum;
	uint64_t	udps_nosum;
	uint64_t	udps_badlen;
	uint64_t	udps_noport;
	uint64_t	udps_opackets;
};

/* Firewall rules, a STAILQ. */

struct ipfw_rule {
	STAILQ_ENTRY(ipfw_rule) rule_link;
	uint16_t	 rulenum;
	uint8_t		 action;
	uint8_t		 proto;
	uint64_t	 pcnt;
};
STAILQ_HEAD(ipfw_rulehead, ipfw_rule);

/* IPv6 default routers, an SLIST. */

struct nd_defrouter {
	SLIST_ENTRY(nd_defrouter) dr_entry;
	union in_addr_u	 rtaddr;
	u_short		 rtlifetime;
	u_char		 raflags;
};
SLIST_HEAD(nd_drhead, nd_defrouter);

/* Routes: an array of structures whose members point at interfaces. */

struct rt_entry {
	union in_addr_u	 rt_dst;
	uint8_t		 rt_plen;
	uint16_t	 rt_flags;
	struct ifnet	*rt_ifp;
};

/* Protocol switch entry with function pointers. */

struct protosw_stub {
	const char	*pr_name;
	short		 pr_type;
	short		 pr_protocol;
	int		(*pr_input)(void *m, int *offp, int proto);
	void		(*pr_ctlinput)(int cmd, void *arg);
	int		(*pr_attach)(void *so, int proto, void *td);
};

typedef int ip_output_hook_t(void *m, int flags);

/* Const and volatile members. */

struct ipreass_limits {
	const int		maxfragsperpacket;
	const volatile u_int	maxfrags;
	volatile u_int		nfrags;
};

/* Kernel functions that the function pointers refer to. */

static int __attribute__((noinline))
ip_output_default(void *m, int flags)
{
	return (m == NULL ? flags : 0);
}

static int __attribute__((noinline))
ip_output_filtered(void *m, int flags)
{
	return (m == NULL ? -flags : 1);
}

static int __attribute__((noinline))
udp_input(void *m, int *offp, int proto)
{
	return (m == NULL ? proto : *offp);
}

static void __attribute__((noinline))
udp_ctlinput(int cmd, void *arg)
{
	(void)cmd;
	(void)arg;
}

static int __attribute__((noinline))
udp_attach(void *so, int proto, void *td)
{
	return (so == td ? proto : 0);
}

/* The variables, with their template (initial) values. */

VNET_DEFINE(int8_t, ip_mcast_loop_delta) = -5;
VNET_DEFINE(uint8_t, ip_dscp_default) = 0x2e;
VNET_DEFINE(u_char, ip_rsvp_on) = 0;
VNET_DEFINE(char, ip_keepfaith_flag) = 'N';
VNET_DEFINE(int16_t, tcp_ecn_maxretries) = 1;
VNET_DEFINE(u_short, ip_id_seed) = 0xbeef;
VNET_DEFINE(int, ip_defttl) = 64;
VNET_DEFINE(int, ipforwarding) = 0;
VNET_DEFINE(int, tcp_mssdflt) = 536;
VNET_DEFINE(int, tcp_v6mssdflt) = 1220;
VNET_DEFINE(u_int, if_index) = 0;
VNET_DEFINE(int32_t, tcp_delack_enabled) = 1;
VNET_DEFINE(uint32_t, ip_id_counter) = 0xfffffff0;
VNET_DEFINE(long, tcp_sendspace_adj) = -65536;
VNET_DEFINE(u_long, tcp_hostcache_hashsize) = 512;
VNET_DEFINE(long long, ip_reass_total) = 0;
VNET_DEFINE(unsigned long long, tcp_outbytes) = 0;
VNET_DEFINE(int64_t, tcp_ts_offset) = -1234567890123;
VNET_DEFINE(uint64_t, tcp_syncookie_secret) = 0x9e3779b97f4a7c15;
VNET_DEFINE(bool, ip_checkinterface) = false;
VNET_DEFINE(bool, tcp_fastopen_server_enable) = true;
VNET_DEFINE(enum tcp_cc_algo, tcp_default_cc) = TCP_CC_NEWRENO;
VNET_DEFINE(enum ipfw_verbose_level, ipfw_verbose) = IPFW_VERBOSE_LOW;
VNET_DEFINE(struct tcp_cfg_bits, tcp_cfg) = {
	.sack_enable = 1, .ecn_mode = 2, .rexmit_slop = -3, .mss_shift = 9,
	.rtt_adjust = 0, .flags8 = 0x11, .seq_hi = 1, .drift = 0,
	.syncookies = true, .cc_bits = TCP_CC_NEWRENO,
};
VNET_DEFINE(struct ip_hdr_bits, ip_hdr_template) = {
	.ip_hl = 5, .ip_v = 4, .ip_tos = 0, .ip_off = 0, .ip_flags = 2,
	.ip_ttl_delta = 0, .ip_sum_lo = 0, .ip_id = 0,
};
VNET_DEFINE(union in_addr_u, ip_loopback_addr) = { .s_bytes = { 127, 0, 0, 1 } };
VNET_DEFINE(struct inpcbinfo, tcbinfo);
VNET_DEFINE(struct inpcbinfo, udbinfo);
VNET_DEFINE(inpcbinfo_p, tcbinfo_ptr);
VNET_DEFINE(struct ipstat, ipstat);
VNET_DEFINE(int, ip_rsvp_ports[4]) = { 3455, 0, 0, 0 };
VNET_DEFINE(struct rt_entry, rt_table[3]);
VNET_DEFINE(uint8_t, ip_fw_matrix[3][4]);
VNET_DEFINE(char, vnet_hostname[32]) = "template";
VNET_DEFINE(char, tcp_cc_name[16]) = "newreno";
VNET_DEFINE(char, ip_raw_bytes[8]) = { 'T', 'M', 'P', 'L', 0, 0, 0, 0 };
VNET_DEFINE(struct ifnethead, ifnet);
VNET_DEFINE(struct ifnet *, loif);
VNET_DEFINE(struct ifnet *, ifindex_table[8]);
VNET_DEFINE(int *, ip_defttl_ptr);
VNET_DEFINE(const char *, ostype_ptr);
VNET_DEFINE(void *, pfil_head_ptr);
VNET_DEFINE(struct prison *, vnet_prison);
VNET_DEFINE(ip_output_hook_t *, ip_output_hook) = ip_output_default;
VNET_DEFINE(struct protosw_stub, udp_protosw) = {
	.pr_name = "udp", .pr_type = 2, .pr_protocol = 17,
	.pr_input = udp_input, .pr_ctlinput = udp_ctlinput,
	.pr_attach = udp_attach,
};
VNET_DEFINE(struct ipqhead, ipq);
VNET_DEFINE(gateway_addr_t, ip_gateway) = 0;
VNET_DEFINE(volatile u_int, ip_id) = 1;
VNET_DEFINE(volatile uint64_t, tcp_ticks) = 0;
VNET_DEFINE(struct ipreass_limits, ipreass) = {
	.maxfragsperpacket = 16, .maxfrags = 1024, .nfrags = 0,
};
VNET_PCPUSTAT_DEFINE(struct tcpstat, tcpstat);
VNET_PCPUSTAT_DEFINE(struct udpstat, udpstat);
VNET_DEFINE(counter_u64_t, tcp_syncache_overflows);
VNET_DEFINE(counter_u64_t, ip_fwd_drops);
VNET_DEFINE(struct ipfw_rulehead, ipfw_rules);
VNET_DEFINE(struct nd_drhead, nd6_defrouter);
VNET_DEFINE_STATIC(int, ip_sendsourcequench) = 0;
VNET_DEFINE_STATIC(uint32_t, tcp_isn_secret_gen) = 0x5eed;

/* Per-vnet values, indexed by ordinal. */

static const int8_t mcast_loop_delta[NVNETS] = { -5, -128, 127, 0, -1, 42 };
static const uint8_t dscp_default[NVNETS] = { 0x2e, 0xff, 0x00, 0x80, 0x2e, 0x0a };
static const char keepfaith[NVNETS] = { 'N', 'Y', 'N', '\x7f', 'n', 'y' };
static const int16_t ecn_maxretries[NVNETS] = { 1, -7, 32767, -32768, 1, 300 };
static const u_short id_seed[NVNETS] = { 0xbeef, 0xffff, 0x0001, 0x8000, 0xbeef, 0x1234 };
static const int defttl[NVNETS] = { 64, 64, 32, 128, 255, 100 };
static const int forwarding[NVNETS] = { 1, 0, 0, 1, 0, 0 };
static const int mssdflt[NVNETS] = { 536, 1460, 536, 1400, 512, 1380 };
static const int32_t delack[NVNETS] = { 1, 0, -1, 1, 2147483647, -2147483647 - 1 };
static const uint32_t id_counter[NVNETS] = {
	0xfffffff0, 0, 0xffffffff, 0x80000000, 12345, 0xdeadbeef,
};
static const long sendspace_adj[NVNETS] = {
	-65536, 9223372036854775807L, -9223372036854775807L - 1, 0, 1, -1,
};
static const u_long hostcache_hashsize[NVNETS] = {
	512, 0xffffffffffffffffUL, 1024, 0x8000000000000000UL, 512, 4096,
};
static const long long reass_total[NVNETS] = {
	0, -1234567890123456789LL, 1234567890123456789LL, 77, -1, 0,
};
static const unsigned long long outbytes[NVNETS] = {
	0, 18446744073709551615ULL, 9007199254740992ULL, 9007199254740993ULL,
	9007199254740995ULL, 42,
};
static const int64_t ts_offset[NVNETS] = {
	-1234567890123, 9223372036854775807LL, -9223372036854775807LL - 1,
	0, 1, -42,
};
static const uint64_t syncookie_secret[NVNETS] = {
	0x9e3779b97f4a7c15, 0xfedcba9876543210, 0x0020000000000001,
	0x8000000000000001, 0xffffffffffffffff, 0x0123456789abcdef,
};
static const bool checkinterface[NVNETS] = { false, true, false, true, true, false };
static const bool fastopen[NVNETS] = { true, false, true, true, false, true };
static const int default_cc[NVNETS] = {
	TCP_CC_NEWRENO, TCP_CC_CUBIC, TCP_CC_HTCP, 7, TCP_CC_DCTCP, TCP_CC_BBR,
};
static const int fw_verbose[NVNETS] = {
	IPFW_VERBOSE_LOW, IPFW_VERBOSE_HIGH, IPFW_VERBOSE_OFF, IPFW_VERBOSE_LOW,
	-5, IPFW_VERBOSE_OFF,
};
static const char *const cc_names[NVNETS] = {
	"newreno", "cubic", "htcp", "", "dctcp", "bbr-experimental",
};
static const uint8_t raw_bytes[NVNETS][8] = {
	{ 0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff, 0x00 },
	{ 'w', 'e', 'b', 0x00, 0x1b, '[', '0', 'm' },
	{ 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe },
	{ '\t', '\n', '\r', '\\', '"', 0x07, 0x08, 0x0c },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 'p', 'h', 'p', 0xc3, 0xa9, 0xe2, 0x82, 0xac },
};

/* Interfaces of each vnet, the loopback first. */
static const char *const ifnames[NVNETS][4] = {
	{ "lo0", "em0", "em1", "bridge0" },
	{ "lo0", "epair0b" },
	{ "lo0", "epair1b", "vlan100" },
	{ "lo0", "epair2b" },
	{ "lo0" },
	{ "lo0", "epair3b" },
};
static const int ntcpcb[NVNETS] = { 3, 4, 5, 6, 3, 4 };
static const int nrules[NVNETS] = { 6, 3, 4, 5, 3, 4 };
static const int ndefrouters[NVNETS] = { 3, 5, 4, 3, 6, 3 };
static const int nudpcb[NVNETS] = { 2, 0, 1, 1, 3, 0 };
static const int nipq[NVNETS] = { 0, 2, 3, 1, 0, 0 };

/* Bit-field values, one row per vnet. */
static const struct tcp_cfg_bits cfg_bits[NVNETS] = {
	{ 1, 2, -3, 9, 0, 0x11, 1, 0, true, TCP_CC_NEWRENO },
	{ 0, 7, 31, 2047, 255, 0xa5, 0xffffffffff, -524288, false, TCP_CC_CUBIC },
	{ 1, 0, -32, 0, -256, 0x00, 0x123456789a, 524287, true, 7 },
	{ 1, 5, -1, 1, -1, 0xff, 0x8000000000, -1, false, TCP_CC_DCTCP },
	{ 0, 1, 17, 1500, 100, 0x5a, 0, 12345, true, 4 },
	{ 1, 3, 0, 777, -100, 0x0f, 0x7fffffffff, -54321, true, TCP_CC_BBR },
};
static const struct ip_hdr_bits hdr_bits[NVNETS] = {
	{ 5, 4, 0x00, 0, 2, 0, 0, 0 },
	{ 15, 4, 0xb8, 8191, 7, -256, 127, 0xffff },
	{ 6, 6, 0x10, 0x1234, 1, 255, 0x55, 0x0102 },
	{ 5, 4, 0x00, 1, 0, -1, 1, 0x8000 },
	{ 0, 15, 0xff, 4096, 4, 128 - 256, 64, 0x00ff },
	{ 7, 4, 0x28, 0x0abc, 3, 100, 0x2a, 0x4242 },
};

/* Address 10.<ordinal>.<a>.<b> in network byte order as stored in memory. */
static union in_addr_u
addr4(int ordinal, int a, int b)
{
	union in_addr_u u = { .s_bytes = { 10, (uint8_t)ordinal, (uint8_t)a,
	    (uint8_t)b } };

	return (u);
}

static void
ifnets_init(int ordinal)
{
	struct ifnet *ifp;

	TAILQ_INIT(&VNET(ifnet));
	for (int i = 0; i < 4 && ifnames[ordinal][i] != NULL; i++) {
		ifp = malloc(sizeof(*ifp), 8);
		strlcpy(ifp->if_xname, ifnames[ordinal][i],
		    sizeof(ifp->if_xname));
		ifp->if_index = (u_short)(i + 1);
		ifp->if_flags = IFF_UP | IFF_RUNNING | (i == 0 ? IFF_LOOPBACK : 0);
		ifp->if_mtu = i == 0 ? 16384 : (ordinal == 2 ? 9000 : 1500);
		if (i > 0) {
			uint8_t mac[6] = { 0x02, 0x00, 0x5e, (uint8_t)ordinal,
			    (uint8_t)i, 0x0b };
			memcpy(ifp->if_lladdr, mac, sizeof(mac));
		}
		ifp->if_vnet = curvnet;
		TAILQ_INSERT_TAIL(&VNET(ifnet), ifp, if_link);
		VNET(ifindex_table)[i + 1] = ifp;
		VNET(if_index) = (u_int)(i + 1);
		curvnet->vnet_ifcnt++;
	}
	VNET(loif) = TAILQ_FIRST(&VNET(ifnet));
}

static void
pcbinfo_init(struct inpcbinfo *pcbinfo, const char *name, int npcb,
    int ordinal, u_short baseport)
{
	pcbinfo->ipi_lock.lo_name = name;
	pcbinfo->ipi_lock.lo_flags = 0x00030000;
	pcbinfo->ipi_hashmask = 511;
	pcbinfo->ipi_porthashmask = 255;
	pcbinfo->ipi_lastport = (u_short)(baseport + npcb);
	pcbinfo->ipi_lastlow = 600;
	pcbinfo->ipi_lasthi = 65535;
	pcbinfo->ipi_vnet = curvnet;
	pcbinfo->ipi_zone_addr = 0xfffff80000000000UL + 0x1000UL * (ordinal + 1);
	for (int i = 0; i < npcb; i++) {
		struct inpcb *inp = malloc(sizeof(*inp), 8);

		inp->inp_lport = (u_short)(baseport + i);
		inp->inp_fport = (u_short)(40000 + 10 * ordinal + i);
		inp->inp_laddr = addr4(ordinal, 0, (int)(i + 1));
		inp->inp_faddr = addr4(ordinal, 200, (int)(i + 1));
		inp->inp_flags = 0x100 * i + ordinal;
		LIST_INSERT_HEAD(&pcbinfo->ipi_listhead, inp, inp_list);
		pcbinfo->ipi_count++;
		pcbinfo->ipi_gencnt += 1000000007ULL * (uint64_t)(ordinal + 1);
		curvnet->vnet_sockcnt++;
	}
}

static void
routes_init(int ordinal)
{
	struct ifnet *ifp = TAILQ_FIRST(&VNET(ifnet));

	for (int i = 0; i < 3; i++) {
		struct rt_entry *rt = &VNET(rt_table)[i];

		rt->rt_dst = addr4(ordinal, i, 0);
		rt->rt_plen = (uint8_t)(8 + 8 * i);
		rt->rt_flags = (uint16_t)(0x801 + i);
		rt->rt_ifp = ifp;
		if (ifp != NULL && TAILQ_NEXT(ifp, if_link) != NULL)
			ifp = TAILQ_NEXT(ifp, if_link);
	}
	for (int r = 0; r < 3; r++) {
		for (int c = 0; c < 4; c++)
			VNET(ip_fw_matrix)[r][c] = (uint8_t)(ordinal * 16 + r * 4 + c);
	}
	VNET(ip_gateway) = addr4(ordinal, 0, 254).s_addr;
}

static void
ipq_init(int ordinal)
{
	for (int i = 0; i < nipq[ordinal]; i++) {
		struct ipq *q = malloc(sizeof(*q), 8);

		q->ipq_id = (uint16_t)(0x1000 * ordinal + i);
		q->ipq_nfrags = (uint8_t)(i + 2);
		q->ipq_ttl = (uint8_t)(30 - i);
		LIST_INSERT_HEAD(&VNET(ipq), q, ipq_list);
	}
}

static void
ipstat_init(int ordinal)
{
	struct ipstat *st = &VNET(ipstat);

	st->ips_total = 1000003ULL * (uint64_t)ordinal + 17;
	st->ips_badsum = (uint64_t)ordinal * 3;
	st->ips_tooshort = ordinal == 3 ? 0xffffffffffffffffULL : 0;
	st->ips_frag.ipf_fragments = 100ULL + (uint64_t)ordinal;
	st->ips_frag.ipf_dropped = (uint64_t)ordinal;
	st->ips_frag.ipf_timeout = (uint32_t)(ordinal * 7);
	for (int i = 0; i < 4; i++)
		st->ips_delivered[i] = (uint64_t)(ordinal + 1) << (i * 16);
	st->ips_last_error = ordinal == 0 ? 0 : -ordinal * 11;
}

/* Per-vnet counter(9) slab: each vnet's counters share its pages. */
static struct pcpu_slab counter_slabs[NVNETS];
static struct vnet *counter_slab_vnets[NVNETS];

/*
 * Allocate the vnet's counters, as VNET_PCPUSTAT_SYSINIT does, and give
 * every CPU slot its own value. tcps_sndbyte of vnet 3 is 2^62 plus a
 * little on every CPU, so its sum wraps around 2^64 as counter_u64_fetch's
 * does.
 */
static void
counters_init(int ordinal)
{
	struct pcpu_slab *ps = &counter_slabs[ordinal];
	uint64_t o = (uint64_t)ordinal;

	pcpu_slab_init(ps);
	counter_slab_vnets[ordinal] = curvnet;
	for (size_t k = 0; k < nitems(VNET(tcpstat)); k++) {
		VNET(tcpstat)[k] = counter_u64_alloc(ps);
		for (int cpu = 0; cpu <= (int)mp_maxid; cpu++)
			counter_u64_add_cpu(VNET(tcpstat)[k], cpu,
			    (int64_t)((o + 1) * 1000 + k * 10 + (uint64_t)cpu * (o + 2)));
	}
	if (ordinal == 3) {
		counter_u64_t c = VNET(tcpstat)[offsetof(struct tcpstat,
		    tcps_sndbyte) / sizeof(uint64_t)];

		for (int cpu = 0; cpu <= (int)mp_maxid; cpu++)
			counter_u64_add_cpu(c, cpu, (int64_t)(1ULL << 62));
	}
	for (size_t k = 0; k < nitems(VNET(udpstat)); k++) {
		VNET(udpstat)[k] = counter_u64_alloc(ps);
		for (int cpu = 0; cpu <= (int)mp_maxid; cpu++)
			counter_u64_add_cpu(VNET(udpstat)[k], cpu,
			    (int64_t)(o * 7 + k + (uint64_t)cpu * 100 * (k % 3)));
	}
	VNET(tcp_syncache_overflows) = counter_u64_alloc(ps);
	counter_u64_add_cpu(VNET(tcp_syncache_overflows), ordinal % 4,
	    (int64_t)(5 + o));
	VNET(ip_fwd_drops) = counter_u64_alloc(ps);
	for (int cpu = 0; cpu <= (int)mp_maxid; cpu++)
		counter_u64_add_cpu(VNET(ip_fwd_drops), cpu,
		    cpu == 1 ? -1 : (int64_t)(o + 1));
}

/* Return CPU 0's page of vnet's counters, or NULL for an unknown vnet. */
char *
vnet_counter_slab(struct vnet *vnet)
{
	for (int i = 0; i < NVNETS; i++) {
		if (counter_slab_vnets[i] == vnet)
			return (counter_slabs[i].ps_base);
	}
	return (NULL);
}

static void
queues_init(int ordinal)
{
	STAILQ_INIT(&VNET(ipfw_rules));
	for (int i = 0; i < nrules[ordinal]; i++) {
		struct ipfw_rule *rule = malloc(sizeof(*rule), 8);

		rule->rulenum = (uint16_t)(100 * (i + 1) + ordinal);
		rule->action = (uint8_t)(i % 3);
		rule->proto = i % 2 == 0 ? 6 : 17;
		rule->pcnt = 1000ULL * (uint64_t)ordinal + (uint64_t)i;
		STAILQ_INSERT_TAIL(&VNET(ipfw_rules), rule, rule_link);
	}
	for (int i = 0; i < ndefrouters[ordinal]; i++) {
		struct nd_defrouter *dr = malloc(sizeof(*dr), 8);

		dr->rtaddr = addr4(ordinal, 250, i + 1);
		dr->rtlifetime = (u_short)(1800 - 60 * i);
		dr->raflags = (u_char)(0x80 >> i);
		SLIST_INSERT_HEAD(&VNET(nd6_defrouter), dr, dr_entry);
	}
}

/*
 * Run the constructors for one vnet with curvnet set to it, as FreeBSD
 * runs its VNET_SYSINIT functions.
 */
void
vnet_vars_init(int ordinal, const char *owner, struct prison *pr)
{
	if (ordinal < 0 || ordinal >= NVNETS)
		panic("vnet_vars_init: no values for vnet ordinal %d", ordinal);

	VNET(ip_mcast_loop_delta) = mcast_loop_delta[ordinal];
	VNET(ip_dscp_default) = dscp_default[ordinal];
	VNET(ip_keepfaith_flag) = keepfaith[ordinal];
	VNET(tcp_ecn_maxretries) = ecn_maxretries[ordinal];
	VNET(ip_id_seed) = id_seed[ordinal];
	VNET(ip_defttl) = defttl[ordinal];
	VNET(ipforwarding) = forwarding[ordinal];
	VNET(tcp_mssdflt) = mssdflt[ordinal];
	VNET(tcp_delack_enabled) = delack[ordinal];
	VNET(ip_id_counter) = id_counter[ordinal];
	VNET(tcp_sendspace_adj) = sendspace_adj[ordinal];
	VNET(tcp_hostcache_hashsize) = hostcache_hashsize[ordinal];
	VNET(ip_reass_total) = reass_total[ordinal];
	VNET(tcp_outbytes) = outbytes[ordinal];
	VNET(tcp_ts_offset) = ts_offset[ordinal];
	VNET(tcp_syncookie_secret) = syncookie_secret[ordinal];
	VNET(ip_checkinterface) = checkinterface[ordinal];
	VNET(tcp_fastopen_server_enable) = fastopen[ordinal];
	VNET(tcp_default_cc) = (enum tcp_cc_algo)default_cc[ordinal];
	VNET(ipfw_verbose) = (enum ipfw_verbose_level)fw_verbose[ordinal];
	VNET(tcp_cfg) = cfg_bits[ordinal];
	VNET(ip_hdr_template) = hdr_bits[ordinal];
	VNET(ip_loopback_addr).s_bytes[3] = (uint8_t)(1 + ordinal);

	ifnets_init(ordinal);
	pcbinfo_init(&VNET(tcbinfo), "tcp", ntcpcb[ordinal], ordinal, 8000);
	pcbinfo_init(&VNET(udbinfo), "udp", nudpcb[ordinal], ordinal, 5353);
	VNET(tcbinfo_ptr) = &VNET(tcbinfo);
	routes_init(ordinal);
	ipq_init(ordinal);
	ipstat_init(ordinal);
	counters_init(ordinal);
	queues_init(ordinal);

	for (int i = 0; i < 4; i++)
		VNET(ip_rsvp_ports)[i] = i == 0 ? 3455 : ordinal * 1000 + i;
	snprintf(VNET(vnet_hostname), sizeof(VNET(vnet_hostname)), "%s.%s",
	    owner, ordinal == 0 ? "host" : "jail");
	strlcpy(VNET(tcp_cc_name), cc_names[ordinal], sizeof(VNET(tcp_cc_name)));
	memcpy(VNET(ip_raw_bytes), raw_bytes[ordinal], sizeof(raw_bytes[0]));

	VNET(ip_defttl_ptr) = &VNET(ip_defttl);
	VNET(ostype_ptr) = ordinal % 2 == 0 ? ostype : osrelease;
	VNET(pfil_head_ptr) = ordinal == 4 ? (void *)curvnet : NULL;
	VNET(vnet_prison) = pr;
	VNET(ip_output_hook) = ordinal == 3 ? NULL :
	    (ordinal % 2 == 1 ? ip_output_filtered : ip_output_default);
	if (ordinal == 5)
		VNET(udp_protosw).pr_ctlinput = NULL;

	VNET(ip_id) = 1000u * (u_int)ordinal + 1;
	VNET(tcp_ticks) = 0x100000000ULL * (uint64_t)ordinal + 999;
	/* The limits are const for the network stack but set up per vnet. */
	*(int *)&VNET(ipreass).maxfragsperpacket = 16 + ordinal;
	*(u_int *)&VNET(ipreass).maxfrags = 1024u << ordinal;
	VNET(ipreass).nfrags = (u_int)nipq[ordinal];
	VNET(ip_sendsourcequench) = ordinal == 2;
	VNET(tcp_isn_secret_gen) = 0x5eed0000u + (uint32_t)ordinal;
}

/*
 * Change template values after all vnets exist. FreeBSD's template only
 * contains initial values, so a reader that returns a template value in
 * place of the vnet's copy shows 99 or 1280 where every vnet has another.
 */
void
vnet_template_update(void)
{
	VNET_NAME(ip_defttl) = 99;
	VNET_NAME(tcp_v6mssdflt) = 1280;
	printf("vnet template: ip_defttl %d, tcp_v6mssdflt %d\n",
	    VNET_NAME(ip_defttl), VNET_NAME(tcp_v6mssdflt));
}
