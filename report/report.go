// Package report turns the walker's results into the JSON documents that
// vnetinspect prints. The types here carry the JSON names; the walker's own
// types stay free to change. docs/json.md describes the format.
//
// Addresses are strings of the form "0x..." so that consumers whose numbers
// are IEEE doubles (JavaScript, jq) never round them.
package report

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// Hex is an address written as "0x...".
type Hex uint64

// MarshalJSON writes the address as a hex string.
func (h Hex) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`"%#x"`, uint64(h))), nil
}

// A Report is everything vnetinspect read from one kernel and core.
type Report struct {
	Kernel   Kernel   `json:"kernel"`
	Core     Core     `json:"core"`
	Vnets    []Vnet   `json:"vnets"`
	Jails    []Jail   `json:"jails"`
	Warnings []string `json:"warnings"`
	// Forced is true when --force read a core whose version string differs
	// from the kernel file's: every value may be wrong.
	Forced bool `json:"forced,omitempty"`
}

// Kernel identifies the kernel file.
type Kernel struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

// Core identifies the memory source.
type Core struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Arch   string `json:"architecture"`
}

// A JailRef names a jail that owns a vnet.
type JailRef struct {
	JID  int32  `json:"jid"`
	Name string `json:"name"`
}

// A Jail is one struct prison.
type Jail struct {
	Address   Hex    `json:"address"`
	JID       int32  `json:"jid"`
	Name      string `json:"name"`
	Flags     uint32 `json:"flags"`
	ParentJID *int32 `json:"parent_jid"`
	Vnet      Hex    `json:"vnet"`
	OwnsVnet  bool   `json:"vnet_owner"`
	Error     string `json:"error,omitempty"`
}

// A Vnet is one struct vnet with its variables. The members read from the
// struct are absent when even its magic could not be read.
type Vnet struct {
	Address   Hex        `json:"address"`
	Vnet0     bool       `json:"vnet0"`
	Jails     []JailRef  `json:"jails"`
	Sharers   []JailRef  `json:"sharing_jails,omitempty"`
	Magic     string     `json:"magic,omitempty"`
	Ifcnt     *uint32    `json:"ifcnt,omitempty"`
	Sockcnt   *uint32    `json:"sockcnt,omitempty"`
	State     *uint32    `json:"state"`
	Shutdown  *bool      `json:"shutdown,omitempty"`
	DataMem   *Hex       `json:"data_mem,omitempty"`
	DataBase  *Hex       `json:"data_base,omitempty"`
	Error     string     `json:"error,omitempty"`
	Variables []Variable `json:"variables,omitempty"`
}

// A Variable is one variable read from one place.
type Variable struct {
	Name     string          `json:"name"`
	Symbol   string          `json:"symbol"`
	Address  Hex             `json:"address,omitempty"`
	Size     int64           `json:"size"`
	Type     string          `json:"type"`
	Template bool            `json:"template,omitempty"`
	Module   string          `json:"module,omitempty"` // the .ko defining it; absent for the kernel's
	Bytes    *string         `json:"bytes,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
	Counters *Counters       `json:"counters,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// A Record is one line of ndjson output: a variable with its vnet.
type Record struct {
	Vnet      Hex      `json:"vnet"`
	Vnet0     bool     `json:"vnet0"`
	JailNames []string `json:"jails"`
	Variable
}

// NewVnet converts a walked vnet, without its variables.
func NewVnet(v *vnetwalk.Vnet) Vnet {
	r := Vnet{
		Address: Hex(v.Addr),
		Vnet0:   v.Vnet0,
		Jails:   []JailRef{},
	}
	if v.HeaderRead {
		ifcnt, sockcnt, shutdown := v.Ifcnt, v.Sockcnt, v.Shutdown
		mem, base := Hex(v.DataMem), Hex(v.DataBase)
		r.Magic = fmt.Sprintf("%#x", v.Magic)
		r.Ifcnt, r.Sockcnt, r.Shutdown = &ifcnt, &sockcnt, &shutdown
		r.DataMem, r.DataBase = &mem, &base
	}
	if v.HasState {
		s := v.State
		r.State = &s
	}
	for _, j := range v.Jails {
		r.Jails = append(r.Jails, JailRef{JID: j.JID, Name: j.Name})
	}
	for _, j := range v.Sharers {
		r.Sharers = append(r.Sharers, JailRef{JID: j.JID, Name: j.Name})
	}
	if v.Err != nil {
		r.Error = v.Err.Error()
	}
	return r
}

// NewJail converts a walked jail.
func NewJail(j *vnetwalk.Jail) Jail {
	r := Jail{
		Address:  Hex(j.Addr),
		JID:      j.JID,
		Name:     j.Name,
		Flags:    j.Flags,
		Vnet:     Hex(j.VnetAddr),
		OwnsVnet: j.OwnsVnet,
	}
	if j.Parent != nil {
		id := j.Parent.JID
		r.ParentJID = &id
	}
	if j.Err != nil {
		r.Error = j.Err.Error()
	}
	return r
}

// A Decoder turns a variable's bytes into its typed JSON value.
type Decoder struct {
	Syms   *symbols.Table
	Limits value.Limits
	// Counters, when not nil, adds the sums of counter(9) variables.
	Counters *CounterReader
}

// NewVariable converts a variable read by the walker, reading its
// counters from memory when it is a counter(9) variable.
func (d Decoder) NewVariable(x *vnetwalk.Variable) Variable {
	return d.Convert(x, d.Counters.Read(x))
}

// Convert is NewVariable with the counters already read (nil for none). It
// reads no memory, so several goroutines may convert variables at once.
func (d Decoder) Convert(x *vnetwalk.Variable, counters *Counters) Variable {
	r := Variable{
		Name:     x.Name,
		Symbol:   x.Symbol,
		Address:  Hex(x.Addr),
		Size:     x.Size,
		Template: x.Template,
		Module:   x.Module,
	}
	if x.Type != nil {
		r.Type = symbols.TypeName(x.Type)
	}
	if x.Err != nil {
		r.Error = x.Err.Error()
		return r
	}
	h := hex.EncodeToString(x.Bytes)
	r.Bytes = &h
	v, err := d.Value(x)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Value = v
	r.Counters = counters
	return r
}

// Value returns the typed JSON value of a variable. Without DWARF, a
// variable of 1, 2, 4 or 8 bytes is an unsigned integer and others have no
// value.
func (d Decoder) Value(x *vnetwalk.Variable) (json.RawMessage, error) {
	if x.Type == nil {
		if n, ok := plainUint(x.Bytes, d.Syms); ok {
			return json.RawMessage(n.String()), nil
		}
		return nil, nil
	}
	v := value.Decode(x.Type, x.Bytes, d.Syms.ByteOrder(), d.Syms.PtrSize(), d.Limits)
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode value of %s: %w", x.Symbol, err)
	}
	return b, nil
}

// plainUint decodes a typeless variable as an unsigned integer.
func plainUint(b []byte, syms *symbols.Table) (*big.Int, bool) {
	order := syms.ByteOrder()
	switch len(b) {
	case 1:
		return new(big.Int).SetUint64(uint64(b[0])), true
	case 2:
		return new(big.Int).SetUint64(uint64(order.Uint16(b))), true
	case 4:
		return new(big.Int).SetUint64(uint64(order.Uint32(b))), true
	case 8:
		return new(big.Int).SetUint64(order.Uint64(b)), true
	}
	return nil, false
}
