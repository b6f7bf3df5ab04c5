package value

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// formatLikeGDB lists variables that Format writes exactly as gdb's print
// does with its default settings.
var formatLikeGDB = []string{
	"int_neg", "uint_max", "ll_min", "u64_above_2_53", "u64_max", "short_neg",
	"uchar_val", "schar_neg", "char_val", "bool_true", "bool_false",
	"float_val", "double_val", "color_blue", "color_unknown", "delta_down",
	"delta_unknown", "wide_huge", "typedef_chain", "cv_int", "cv_typedef",
	"const_in_rodata", "int_ptr", "null_ptr", "void_ptr", "func_ptr",
	"raw_func_ptr", "str_full", "str_nonprint", "str_junk_after_nul",
	"str_high_byte", "sstr_neg", "arr1d", "arr2d", "arr_u64", "arr_points",
	"arr_colors", "arr_bools", "point_val", "bits_val", "bits_max",
	"union_val", "padded_val", "const_point", "point_ptr", "ptr_arr",
	"int128_neg", "uint128_big",
}

// formatLikeNullStop lists char arrays holding text, which Format writes as
// gdb does after "set print null-stop on".
var formatLikeNullStop = []string{
	"str_text", "str_empty", "ustr_text", "int8_text", "const_str",
	"typedef_str", "arr_names", "four_chars", "tagged_val",
}

var gdbPrintLine = regexp.MustCompile(`^\$(\d+) = (.*)$`)

func TestFormatMatchesGDBPrint(t *testing.T) {
	gdbPath := requireGDB(t)
	for _, name := range testBinaries {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			bin := openTestBinary(t, path)
			symbolize := elfSymbolizer(t, bin.file)

			args := []string{"-nx", "-batch"}
			for _, v := range formatLikeGDB {
				args = append(args, "-ex", "print "+v)
			}
			args = append(args, "-ex", "set print null-stop on")
			for _, v := range formatLikeNullStop {
				args = append(args, "-ex", "print "+v)
			}
			out, err := exec.Command(gdbPath, append(args, path)...).Output()
			if err != nil {
				t.Fatalf("gdb print on %s: %v", path, err)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			vars := append(append([]string{}, formatLikeGDB...), formatLikeNullStop...)
			if len(lines) != len(vars) {
				t.Fatalf("gdb printed %d lines for %d variables:\n%s", len(lines), len(vars), out)
			}

			for i, v := range vars {
				match := gdbPrintLine.FindStringSubmatch(lines[i])
				if match == nil {
					t.Fatalf("gdb line %q is not \"$N = value\"", lines[i])
				}
				typ, raw := bin.variable(t, v)
				value := Decode(typ, raw, binary.LittleEndian, 8, DefaultLimits())
				var got bytes.Buffer
				value.Format(&got, FormatOptions{Width: 1 << 20, Symbolize: symbolize})
				if got.String() != match[2] {
					t.Errorf("%s: Format = %s\n%*s gdb = %s", v, got.String(), len(v)+7, "", match[2])
				}
			}
		})
	}
}

// elfSymbolizer names addresses as gdb does: "sym" at a symbol's start,
// "sym+off" inside it.
func elfSymbolizer(t *testing.T, f *elf.File) func(uint64) (string, bool) {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatalf("read symbols: %v", err)
	}
	return func(addr uint64) (string, bool) {
		for _, s := range syms {
			kind := elf.ST_TYPE(s.Info)
			if kind != elf.STT_OBJECT && kind != elf.STT_FUNC {
				continue
			}
			switch {
			case addr == s.Value:
				return s.Name, true
			case addr > s.Value && addr < s.Value+s.Size:
				return s.Name + "+" + strconv.FormatUint(addr-s.Value, 10), true
			}
		}
		return "", false
	}
}
