package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// A CounterSum is the total of one counter(9) over the present CPUs, or
// the reason it is unavailable. It is written as a JSON number, or as
// {"unavailable": "reason"}; an unavailable sum is never written as 0.
type CounterSum struct {
	Value       uint64
	Unavailable string
}

// MarshalJSON writes the number or the unavailable object.
func (c CounterSum) MarshalJSON() ([]byte, error) {
	if c.Unavailable != "" {
		return json.Marshal(map[string]string{"unavailable": c.Unavailable})
	}
	return []byte(strconv.FormatUint(c.Value, 10)), nil
}

// String writes the number, or "unavailable (reason)".
func (c CounterSum) String() string {
	if c.Unavailable != "" {
		return "unavailable (" + c.Unavailable + ")"
	}
	return strconv.FormatUint(c.Value, 10)
}

// Counters is the "counters" member of a variable whose type is
// counter_u64_t or an array of them: one sum per element.
type Counters struct {
	Sums []CounterSum `json:"sums"`
	// Fields names each element by the member of the statistics struct
	// of the same name, such as struct tcpstat for V_tcpstat. It is absent
	// when the kernel has no such struct.
	Fields []string `json:"fields,omitempty"`
	// CPUs are the CPUs summed over: those of 0..mp_maxid present in
	// cpuid_to_pcpu.
	CPUs []int `json:"cpus"`
	// Error is set, and Sums empty, when the per-CPU layout could not be
	// read, so that no counter can be summed.
	Error string `json:"error,omitempty"`

	scalar bool // the variable is one counter_u64_t, not an array
}

// A CounterReader sums the counters of variables, reading the per-CPU
// layout once. It is safe for concurrent use.
type CounterReader struct {
	k      *vnetwalk.Kernel
	once   sync.Once
	perCPU *vnetwalk.PerCPU
	err    error
}

// NewCounterReader returns a reader for the counters of k's variables.
func NewCounterReader(k *vnetwalk.Kernel) *CounterReader {
	return &CounterReader{k: k}
}

// Read returns the counters of x, or nil when x is not a counter(9)
// variable or could not be read at all.
func (r *CounterReader) Read(x *vnetwalk.Variable) *Counters {
	if r == nil || x.Type == nil || x.Err != nil {
		return nil
	}
	n, ok := vnetwalk.CounterLen(x.Type)
	if !ok {
		return nil
	}
	r.once.Do(func() { r.perCPU, r.err = r.k.PerCPU() })
	if r.err != nil {
		return &Counters{Sums: []CounterSum{}, CPUs: []int{}, Error: "per-CPU layout not read: " + r.err.Error()}
	}
	cs, err := r.k.ReadCounters(x, r.perCPU)
	if err != nil {
		if errors.Is(err, vnetwalk.ErrNotCounter) {
			return nil
		}
		return &Counters{Sums: []CounterSum{}, CPUs: r.perCPU.CPUs, Error: err.Error()}
	}
	c := NewCounters(cs, r.perCPU)
	_, isArray := symbols.Resolve(x.Type).(*godwarf.ArrayType)
	c.scalar = n == 1 && !isArray
	return c
}

// NewCounters converts the walker's counters.
func NewCounters(cs []vnetwalk.Counter, pc *vnetwalk.PerCPU) *Counters {
	out := &Counters{Sums: make([]CounterSum, len(cs)), CPUs: pc.CPUs}
	named := false
	for _, c := range cs {
		named = named || c.Field != ""
	}
	if named {
		out.Fields = make([]string, len(cs))
	}
	for i, c := range cs {
		if c.Err != nil {
			out.Sums[i].Unavailable = c.Err.Error()
		} else {
			out.Sums[i].Value = c.Sum
		}
		if named {
			out.Fields[i] = c.Field
		}
	}
	return out
}

// WriteText writes one sum a line, each line starting with indent: the
// element index, its field name when known, and the sum.
func (c *Counters) WriteText(w io.Writer, indent string) {
	if c.Error != "" {
		fmt.Fprintf(w, "%scounter sums: unavailable (%s)\n", indent, c.Error)
		return
	}
	if c.scalar && len(c.Sums) == 1 {
		fmt.Fprintf(w, "%scounter sum over CPUs %v = %s\n", indent, c.CPUs, c.Sums[0])
		return
	}
	fmt.Fprintf(w, "%scounter sums over CPUs %v:\n", indent, c.CPUs)
	for i, s := range c.Sums {
		name := ""
		if c.Fields != nil && c.Fields[i] != "" {
			name = " " + c.Fields[i]
		}
		fmt.Fprintf(w, "%s  [%d]%s = %s\n", indent, i, name, s)
	}
}
