/*
 * Initialized globals of every kind the value decoder handles. The test
 * compiles this file with gcc and clang for DWARF 4 and DWARF 5, reads each
 * variable's bytes from the object's .data or .rodata section and compares
 * the decoded value with what gdb prints for the same variable.
 */
#include <stdbool.h>
#include <stdint.h>

enum color { RED = 0, GREEN = 1, BLUE = 7 };
enum delta { DOWN = -2, FLAT = 0, UP = 3 };
enum wide { SMALL = 1, HUGE = 0x100000000LL };

typedef unsigned int u_int;
typedef u_int count_t;
typedef const volatile count_t cv_count_t;
typedef char name_t[12];
typedef int (*handler_t)(int);

struct point {
	int x;
	int y;
};

struct bits {
	unsigned int a : 3;
	unsigned int b : 7;    /* crosses the byte boundary at bit 8 */
	signed int s : 5;      /* signed, crosses bytes */
	unsigned int c : 17;   /* crosses into the second storage unit */
	signed long long big : 40;
	unsigned long long ubig : 63;
	bool flag : 1;
	enum delta d : 4;
	char tail;
};

union number {
	uint32_t u;
	int16_t half[2];
	unsigned char raw[4];
};

struct anon {
	int before;
	struct {
		short inner_a;
		short inner_b;
	};
	union {
		uint32_t word;
		uint8_t byte0;
	};
	int after;
};

struct nested {
	struct point origin;
	struct point corners[2];
	union number n;
	name_t label;
	const char *text;
	handler_t handler;
	void *opaque;
	enum color color;
};

struct padded {
	char c;
	unsigned int : 5;      /* unnamed padding bit-field */
	unsigned int after_gap : 3;
	long long ll;
};

static int handler_add(int v) { return v + 1; }

int int_neg = -123456;
unsigned int uint_max = 0xffffffffu;
long long ll_min = -9223372036854775807LL - 1;
uint64_t u64_above_2_53 = 9007199254740993ULL;
uint64_t u64_max = 0xffffffffffffffffULL;
short short_neg = -2;
unsigned char uchar_val = 200;
signed char schar_neg = -100;
char char_val = 'A';
bool bool_true = true;
bool bool_false = false;
float float_val = 1.5f;
double double_val = -0.25;
enum color color_blue = BLUE;
enum color color_unknown = (enum color)5;
enum delta delta_down = DOWN;
enum delta delta_unknown = (enum delta)-7;
enum wide wide_huge = HUGE;
count_t typedef_chain = 42;
const volatile int cv_int = -5;
cv_count_t cv_typedef = 77;
const int const_in_rodata = 31337;
int *int_ptr = &int_neg;
int *null_ptr = 0;
void *void_ptr = &uint_max;
handler_t func_ptr = handler_add;
int (*raw_func_ptr)(int) = handler_add;
char str_text[16] = "hello, vnet";
char str_full[5] = {'a', 'b', 'c', 'd', 'e'};
char str_empty[8] = "";
char str_nonprint[6] = {'o', 'k', '\n', 0, 0, 0};
char str_junk_after_nul[6] = {'h', 'i', 0, 'x', 0, 0};
char str_high_byte[4] = {(char)0xff, 'a', 0, 0};
unsigned char ustr_text[6] = "abc";
unsigned char ustr_bin[4] = {0xde, 0xad, 0xbe, 0xef};
signed char sstr_neg[3] = {-1, -128, 127};
int8_t int8_text[4] = "ok";
const char const_str[6] = "const";
name_t typedef_str = "typedef";
int arr1d[5] = {1, -2, 3, -4, 5};
int arr2d[2][3] = {{1, 2, 3}, {4, 5, 6}};
uint64_t arr_u64[2] = {18446744073709551615ULL, 9007199254740993ULL};
char arr_names[3][4] = {"ab", "cde", "f"};
struct point arr_points[2] = {{1, 2}, {-3, -4}};
enum color arr_colors[3] = {RED, GREEN, (enum color)9};
bool arr_bools[3] = {true, false, true};
struct point point_val = {10, -20};
struct bits bits_val = {
	.a = 5, .b = 100, .s = -11, .c = 99999,
	.big = -549755813887LL, .ubig = 0x7fffffffffff1234ULL,
	.flag = true, .d = DOWN, .tail = 'z',
};
struct bits bits_max = {
	.a = 7, .b = 127, .s = -16, .c = 131071,
	.big = 549755813887LL, .ubig = 0x7fffffffffffffffULL,
	.flag = false, .d = UP, .tail = -1,
};
union number union_val = {.u = 0xfffe0001u};
struct anon anon_val = {
	.before = 1, .inner_a = -2, .inner_b = 3, .word = 0x01020304, .after = 5,
};
struct nested nested_val = {
	.origin = {7, 8},
	.corners = {{1, 1}, {-1, -1}},
	.n = {.u = 0x41424344},
	.label = "lbl",
	.text = "pointed-to text",
	.handler = handler_add,
	.opaque = &point_val,
	.color = GREEN,
};
struct padded padded_val = {.c = 'p', .after_gap = 6, .ll = -1};
const struct point const_point = {3, 4};
struct point *point_ptr = &point_val;
struct point *ptr_arr[2] = {&point_val, 0};

/*
 * An array at offset 0 followed by bit-fields. godwarf.ReadType (delve
 * v1.27.2) takes a DW_AT_data_bit_offset member for a zero-length array at
 * the same offset, and sets the count of the shared char[4] type to 0.
 */
struct tagged {
	char tag[4];
	unsigned int kind : 3;
	unsigned int level : 5;
};

struct tagged tagged_val = {.tag = "tg", .kind = 5, .level = 17};
char four_chars[4] = "abc";

/* __int128 and a packed struct whose bit-field spans nine bytes. */
__int128 int128_neg = -((__int128)1 << 100);
unsigned __int128 uint128_big = ((unsigned __int128)1 << 127) | 12345;

struct __attribute__((packed)) packed_bits {
	unsigned char lead : 3;
	unsigned long long wide : 64;
	unsigned char trail : 5;
};

struct packed_bits packed_val = {.lead = 5, .wide = 0xfedcba9876543210ULL, .trail = 21};

/* Sorts after tagged_val, so the test reads its char[4] type after the struct's. */
char word_after_tagged[4] = "xyz";

/* Declarators whose C spelling is easy to get wrong. */
int (*ptr_to_arr)[5] = &arr1d;
const char *const const_ptr_const = "fixed";
char **ptr_ptr = 0;
struct point *const volatile cv_ptr = &point_val;
void (*void_func_ptr)(void) = 0;
long (*func_ptr_args)(const char *, unsigned long) = 0;
long unsigned_long_val = -1L;
unsigned long ulong_val = 18446744073709551615UL;
unsigned short ushort_val = 65535;
