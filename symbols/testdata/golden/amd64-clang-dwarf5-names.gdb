
warning: Section .debug_names in elf/amd64-clang-dwarf5-names length 1404 does not match section length 1584, ignoring .debug_names.
@ptype struct flags
/* offset      |    size */  type = struct flags {
/*      0: 0   |       4 */    unsigned int a : 3;
/*      0: 3   |       4 */    unsigned int b : 7;
/*      1: 2   |       4 */    int c : 5;
/*      1: 7   |       4 */    unsigned int d : 17;
/*      4: 0   |       1 */    unsigned char e : 4;
/* XXX  4-bit hole       */
/* XXX  3-byte hole      */
/*      8: 0   |       8 */    unsigned long long f : 40;
/* XXX  3-byte hole      */
/*     16      |       4 */    int g;
/*     20: 0   |       2 */    short h : 9;
/* XXX  7-bit hole       */
/* XXX  2-byte hole      */
/*     24: 0   |       4 */    unsigned int i : 1;
/*     24: 1   |       1 */    signed char j : 3;
/* XXX  4-bit padding    */
/* XXX  7-byte padding   */

                               /* total size (bytes):   32 */
                             }
@sizeof struct flags
$1 = 32
@ptype union word
/* offset      |    size */  type = union word {
/*                     4 */    unsigned int w;
/*                     4 */    unsigned char bytes[4];
/*                     4 */    struct {
/*      0: 0   |       4 */        unsigned int lo : 12;
/*      1: 4   |       4 */        unsigned int hi : 20;

                                   /* total size (bytes):    4 */
                               } parts;

                               /* total size (bytes):    4 */
                             }
@sizeof union word
$2 = 4
@ptype enum color
type = enum color {RED, GREEN = 5, BLUE = -2}
@sizeof enum color
$3 = 4
@ptype enum big
type = enum big {BIG_ONE = 1, BIG_TOP = 2147483648}
@sizeof enum big
$4 = 4
@ptype struct packet
/* offset      |    size */  type = struct packet {
/*      0      |       4 */    int kind;
/*      4      |       4 */    union {
/*                     4 */        struct {
/*      4      |       2 */            unsigned short sport;
/*      6      |       2 */            unsigned short dport;

                                       /* total size (bytes):    4 */
                                   };
/*                     4 */        unsigned int ports;

                                   /* total size (bytes):    4 */
                               };
/*      8      |      16 */    struct {
/*      8      |       1 */        char tag;
/* XXX  7-byte hole      */
/*     16      |       8 */        union {
/*                     8 */            long lval;
/*                     8 */            double dval;

                                       /* total size (bytes):    8 */
                                   };

                                   /* total size (bytes):   16 */
                               };
/*     24      |       0 */    char payload[];

                               /* total size (bytes):   24 */
                             }
@sizeof struct packet
$5 = 24
@ptype struct listed
/* offset      |    size */  type = struct listed {
/*      0      |      16 */    struct {
/*      0      |       8 */        struct listed *le_next;
/*      8      |       8 */        struct listed **le_prev;

                                   /* total size (bytes):   16 */
                               } link;
/*     16      |       4 */    int value;
/* XXX  4-byte padding   */

                               /* total size (bytes):   24 */
                             }
@sizeof struct listed
$6 = 24
@ptype struct vnet
/* offset      |    size */  type = struct vnet {
/*      0      |      16 */    struct {
/*      0      |       8 */        struct vnet *le_next;
/*      8      |       8 */        struct vnet **le_prev;

                                   /* total size (bytes):   16 */
                               } vnet_le;
/*     16      |       4 */    u_int vnet_magic_n;
/*     20      |       4 */    u_int vnet_ifcnt;
/*     24      |       4 */    u_int vnet_sockcnt;
/*     28      |       4 */    u_int vnet_state;
/*     32      |       8 */    void *vnet_data_mem;
/*     40      |       8 */    uintptr_t vnet_data_base;
/*     48      |       1 */    bool vnet_shutdown;
/* XXX  7-byte padding   */

                               /* total size (bytes):   56 */
                             }
@sizeof struct vnet
$7 = 56
@ptype struct arrays
/* offset      |    size */  type = struct arrays {
/*      0      |      16 */    int row[4];
/*     16      |      60 */    int grid[3][5];
/*     76      |      16 */    char name[16];
/*     92      |     300 */    char big[300];
/*    392      |      32 */    struct listed *ptrs[4];
/*    424      |       8 */    int (*rowp)[4];
/*    432      |       0 */    int zero[0];

                               /* total size (bytes):  432 */
                             }
@sizeof struct arrays
$8 = 432
@ptype struct ops
/* offset      |    size */  type = struct ops {
/*      0      |       8 */    void (*op_start)(int);
/*      8      |       8 */    int (*op_print)(const char *, ...);
/*     16      |       8 */    handler_t op_handler;
/*     24      |       8 */    struct vnet *(*op_lookup)(unsigned long, const char *);
/*     32      |      16 */    int (*op_table[2])(void);

                               /* total size (bytes):   48 */
                             }
@sizeof struct ops
$9 = 48
@ptype flags_t
type = struct flags {
/*      0: 0   |       4 */    unsigned int a : 3;
/*      0: 3   |       4 */    unsigned int b : 7;
/*      1: 2   |       4 */    int c : 5;
/*      1: 7   |       4 */    unsigned int d : 17;
/*      4: 0   |       1 */    unsigned char e : 4;
/* XXX  4-bit hole       */
/* XXX  3-byte hole      */
/*      8: 0   |       8 */    unsigned long long f : 40;
/* XXX  3-byte hole      */
/*     16      |       4 */    int g;
/*     20: 0   |       2 */    short h : 9;
/* XXX  7-bit hole       */
/* XXX  2-byte hole      */
/*     24: 0   |       4 */    unsigned int i : 1;
/*     24: 1   |       1 */    signed char j : 3;
/* XXX  4-bit padding    */
/* XXX  7-byte padding   */

                               /* total size (bytes):   32 */
                             }
@sizeof flags_t
$10 = 32
@ptype flags_p
type = struct flags {
/*      0: 0   |       4 */    unsigned int a : 3;
/*      0: 3   |       4 */    unsigned int b : 7;
/*      1: 2   |       4 */    int c : 5;
/*      1: 7   |       4 */    unsigned int d : 17;
/*      4: 0   |       1 */    unsigned char e : 4;
/* XXX  4-bit hole       */
/* XXX  3-byte hole      */
/*      8: 0   |       8 */    unsigned long long f : 40;
/* XXX  3-byte hole      */
/*     16      |       4 */    int g;
/*     20: 0   |       2 */    short h : 9;
/* XXX  7-bit hole       */
/* XXX  2-byte hole      */
/*     24: 0   |       4 */    unsigned int i : 1;
/*     24: 1   |       1 */    signed char j : 3;
/* XXX  4-bit padding    */
/* XXX  7-byte padding   */

                               /* total size (bytes):   32 */
                             } *
@sizeof flags_p
$11 = 8
@ptype handler_t
type = void (*)(int)
@sizeof handler_t
$12 = 8
@ptype printer_t
type = int (*)(const char *, ...)
@sizeof printer_t
$13 = 8
@ptype stat_t
type = unsigned int
@sizeof stat_t
$14 = 4
@ptype counter_t
type = unsigned int
@sizeof counter_t
$15 = 4
@ptype u_int
type = unsigned int
@sizeof u_int
$16 = 4
@ptype uintptr_t
type = unsigned long
@sizeof uintptr_t
$17 = 8
@ptype bool
type = _Bool
@sizeof bool
$18 = 1
@whatis hz
type = int
@sizeof hz
$19 = 4
@whatis ticks
type = volatile int
@sizeof ticks
$20 = 4
@whatis version
type = const char *
@sizeof version
$21 = 8
@whatis fixed_ptr
type = char * const
@sizeof fixed_ptr
$22 = 8
@whatis fixed_pp
type = char * const *
@sizeof fixed_pp
$23 = 8
@whatis cvl
type = const volatile unsigned long
@sizeof cvl
$24 = 8
@whatis stat_total
type = stat_t
@sizeof stat_total
$25 = 4
@whatis flags_template
type = flags_t
@sizeof flags_template
$26 = 32
@whatis flags_ptr
type = flags_p
@sizeof flags_ptr
$27 = 8
@whatis on_tick
type = handler_t
@sizeof on_tick
$28 = 8
@whatis printer
type = printer_t
@sizeof printer
$29 = 8
@whatis ops
type = struct ops
@sizeof ops
$30 = 48
@whatis arrays
type = struct arrays
@sizeof arrays
$31 = 432
@whatis word
type = union word
@sizeof word
$32 = 4
@whatis color
type = enum color
@sizeof color
$33 = 4
@whatis big
type = enum big
@sizeof big
$34 = 4
@whatis packet
type = struct packet
@sizeof packet
$35 = 24
@whatis vnet0
type = struct vnet *
@sizeof vnet0
$36 = 8
@whatis vnet_storage
type = struct vnet
@sizeof vnet_storage
$37 = 56
@whatis grid_sum
type = long [2][3][4]
@sizeof grid_sum
$38 = 192
@whatis ratio
type = double
@sizeof ratio
$39 = 8
@whatis big_value
type = unsigned long long
@sizeof big_value
$40 = 8
@whatis bss_buf
type = char [32]
@sizeof bss_buf
$41 = 32
@whatis huge_buf
type = unsigned char [70000]
@sizeof huge_buf
$42 = 70000
@whatis sval
type = short
@sizeof sval
$43 = 2
@whatis usval
type = unsigned short
@sizeof usval
$44 = 2
@whatis scval
type = signed char
@sizeof scval
$45 = 1
@whatis llval
type = long long
@sizeof llval
$46 = 8
@whatis shared
type = int
@sizeof shared
$47 = 4
@whatis flags_init
type = struct flags
@sizeof flags_init
$48 = 32
@whatis vnet_entry_ifindex
type = int
@sizeof vnet_entry_ifindex
$49 = 4
@whatis vnet_entry_vflags
type = struct flags
@sizeof vnet_entry_vflags
$50 = 32
@whatis vnet_entry_vname
type = char [16]
@sizeof vnet_entry_vname
$51 = 16
@whatis vnet_entry_vlist
type = struct listed *
@sizeof vnet_entry_vlist
$52 = 8
@whatis vnet_entry_vcount
type = u_int
@sizeof vnet_entry_vcount
$53 = 4
@whatis vnet_entry_vpacket
type = struct packet
@sizeof vnet_entry_vpacket
$54 = 24
@typedef flags_t
type = struct flags
@typedef flags_p
type = flags_t *
@typedef handler_t
type = void (*)(int)
@typedef printer_t
type = int (*)(const char *, ...)
@typedef stat_t
type = counter_t
@typedef counter_t
type = u_int
@typedef u_int
type = unsigned int
@typedef uintptr_t
type = unsigned long
@typedef bool
type = _Bool
@whatis arrays.row
type = int [4]
@sizeof arrays.row
$55 = 16
@whatis arrays.grid
type = int [3][5]
@sizeof arrays.grid
$56 = 60
@whatis arrays.name
type = char [16]
@sizeof arrays.name
$57 = 16
@whatis arrays.big
type = char [300]
@sizeof arrays.big
$58 = 300
@whatis arrays.ptrs
type = struct listed *[4]
@sizeof arrays.ptrs
$59 = 32
@whatis arrays.rowp
type = int (*)[4]
@sizeof arrays.rowp
$60 = 8
@whatis arrays.zero
type = int [0]
@sizeof arrays.zero
$61 = 0
@whatis packet.payload
type = char []
@sizeof packet.payload
$62 = 0
@whatis packet.sport
type = unsigned short
@sizeof packet.sport
$63 = 2
@whatis ops.op_start
type = void (*)(int)
@sizeof ops.op_start
$64 = 8
@whatis ops.op_print
type = int (*)(const char *, ...)
@sizeof ops.op_print
$65 = 8
@whatis ops.op_handler
type = handler_t
@sizeof ops.op_handler
$66 = 8
@whatis ops.op_lookup
type = struct vnet *(*)(unsigned long, const char *)
@sizeof ops.op_lookup
$67 = 8
@whatis ops.op_table
type = int (*[2])(void)
@sizeof ops.op_table
$68 = 16
@whatis word.parts
type = struct {...}
@sizeof word.parts
$69 = 4
@whatis word.bytes
type = unsigned char [4]
@sizeof word.bytes
$70 = 4
@whatis vnet_storage.vnet_le
type = struct {...}
@sizeof vnet_storage.vnet_le
$71 = 16
@whatis vnet_storage.vnet_data_base
type = uintptr_t
@sizeof vnet_storage.vnet_data_base
$72 = 8
@whatis flags_init.f
type = unsigned long long
@sizeof flags_init.f
$73 = 8
@whatis flags_init.j
type = signed char
@sizeof flags_init.j
$74 = 1
@whatis 'kern2.c'::shared
type = long
@sizeof 'kern2.c'::shared
$75 = 8
@offset struct packet:kind
$76 = 0
@offset struct packet:sport
$77 = 4
@offset struct packet:dport
$78 = 6
@offset struct packet:ports
$79 = 4
@offset struct packet:tag
$80 = 8
@offset struct packet:lval
$81 = 16
@offset struct packet:dval
$82 = 16
@offset struct packet:payload
$83 = 24
@offset struct listed:link
$84 = 0
@offset struct listed:value
$85 = 16
@offset struct vnet:vnet_le
$86 = 0
@offset struct vnet:vnet_magic_n
$87 = 16
@offset struct vnet:vnet_ifcnt
$88 = 20
@offset struct vnet:vnet_sockcnt
$89 = 24
@offset struct vnet:vnet_state
$90 = 28
@offset struct vnet:vnet_data_mem
$91 = 32
@offset struct vnet:vnet_data_base
$92 = 40
@offset struct vnet:vnet_shutdown
$93 = 48
@offset struct arrays:row
$94 = 0
@offset struct arrays:grid
$95 = 16
@offset struct arrays:name
$96 = 76
@offset struct arrays:big
$97 = 92
@offset struct arrays:ptrs
$98 = 392
@offset struct arrays:rowp
$99 = 424
@offset struct arrays:zero
$100 = 432
@offset struct ops:op_start
$101 = 0
@offset struct ops:op_print
$102 = 8
@offset struct ops:op_handler
$103 = 16
@offset struct ops:op_lookup
$104 = 24
@offset struct ops:op_table
$105 = 32
@offset struct flags:g
$106 = 16
@offset union word:w
$107 = 0
@offset union word:bytes
$108 = 0
@offset union word:parts
$109 = 0
@value flags_init.a
$110 = 5
@value flags_init.b
$111 = 100
@value flags_init.c
$112 = -3
@value flags_init.d
$113 = 109517
@value flags_init.e
$114 = 9
@value flags_init.f
$115 = 78187493530
@value flags_init.g
$116 = -7
@value flags_init.h
$117 = -200
@value flags_init.i
$118 = 1
@value flags_init.j
$119 = -2
@value vnet_entry_vflags.a
$120 = 2
@value vnet_entry_vflags.c
$121 = -16
@value vnet_entry_vflags.d
$122 = 65537
@value vnet_entry_vflags.h
$123 = 255
@value word.parts.lo
$124 = 3858
@value word.parts.hi
$125 = 703710
@value hz
$126 = 1000
@value stat_total
$127 = 42
@value color
$128 = BLUE
@value big
$129 = BIG_TOP
@value ratio
$130 = 0.5
@value big_value
$131 = 1234605616436508552
@value sval
$132 = -12
@value usval
$133 = 65000
@value scval
$134 = -5 '\373'
@value llval
$135 = -9
@value shared
$136 = 1
@value vnet_entry_ifindex
$137 = 3
@value vnet_entry_vcount
$138 = 11
@value word.w
$139 = 2882400018
@value (unsigned long)version
$140 = 18446744071564165464
@string version
$141 = 0xffffffff80200158 "kern 1.0"
@string vnet_entry_vname
$142 = "vnet0\000\000\000\000\000\000\000\000\000\000"
@address &hz
$143 = 0xffffffff80202200
@infosymbol &hz
hz in section .data
@address (char*)&hz+3
$144 = 0xffffffff80202203
@infosymbol (char*)&hz+3
hz + 3 in section .data
@address (char*)&hz+4
$145 = 0xffffffff80202204
@infosymbol (char*)&hz+4
No symbol matches (char*)&hz+4.
@address &vnet_entry_vflags
$146 = 0xffffffff80202278
@infosymbol &vnet_entry_vflags
vnet_entry_vflags in section set_vnet
@address (char*)&vnet_entry_vflags+12
$147 = 0xffffffff80202284
@infosymbol (char*)&vnet_entry_vflags+12
vnet_entry_vflags + 12 in section set_vnet
@address (char*)&bss_buf+31
$148 = 0xffffffff8020263f
@infosymbol (char*)&bss_buf+31
bss_buf + 31 in section .bss
@address (char*)&huge_buf+69999
$149 = 0xffffffff802137af
@infosymbol (char*)&huge_buf+69999
huge_buf + 69999 in section .bss
@address _start
$150 = 0xffffffff802011b0
@infosymbol _start
_start in section .text
@address (char*)_start+5
$151 = 0xffffffff802011b5
@infosymbol (char*)_start+5
_start + 5 in section .text
@address &__start_set_vnet
$152 = 0xffffffff80202270
@infosymbol &__start_set_vnet
vnet_entry_ifindex in section set_vnet
@address &__stop_set_vnet
$153 = 0xffffffff802022d8
@infosymbol &__stop_set_vnet
No symbol matches &__stop_set_vnet.
