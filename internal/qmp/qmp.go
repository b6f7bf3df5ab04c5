// Package qmp is a small client for the QEMU Machine Protocol (QMP) over a
// Unix socket, enough to stop a guest, save its memory and quit QEMU.
//
// The protocol is described in QEMU's docs/interop/qmp-spec.rst: the server
// sends a greeting, the client enters command mode with qmp_capabilities,
// and then every command gets exactly one reply, either {"return": ...} or
// {"error": {"class": ..., "desc": ...}}, which echoes the command's "id".
// Asynchronous events ({"event": ...}) may arrive between replies; the
// client keeps them for [Client.Events].
package qmp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// An Error is a QMP error reply to a command.
type Error struct {
	Command string // command that failed
	Class   string // error class, such as "GenericError" or "CommandNotFound"
	Desc    string // human-readable description from QEMU
}

func (e *Error) Error() string {
	return fmt.Sprintf("qmp: %s failed: %s: %s", e.Command, e.Class, e.Desc)
}

// An Event is an asynchronous QMP event, such as STOP or SHUTDOWN.
type Event struct {
	Name string          `json:"event"`
	Data json.RawMessage `json:"data,omitempty"`
}

// A Client is a QMP connection in command mode. Its methods are safe for
// concurrent use, but commands are sent one at a time. After a failed read
// or write, including one ended by a context, every later command returns
// that failure, because the reply stream can no longer be matched to
// commands.
type Client struct {
	conn    net.Conn
	scanner *bufio.Scanner
	path    string

	mu     sync.Mutex // serializes commands
	nextID int
	events []Event
	broken error // first transport failure
}

// message is any object the server sends.
type message struct {
	Greeting json.RawMessage `json:"QMP"`
	Return   json.RawMessage `json:"return"`
	Error    *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	ID    json.RawMessage `json:"id"`
}

// maxMessageBytes limits one server message (one line of JSON).
const maxMessageBytes = 1 << 20

// Dial connects to the QMP server listening on the Unix socket at path,
// reads its greeting and enters command mode. The context bounds the
// whole handshake.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("qmp: connect to %s: %w", path, err)
	}
	c := &Client{conn: conn, scanner: bufio.NewScanner(conn), path: path}
	c.scanner.Buffer(make([]byte, 0, 64*1024), maxMessageBytes)

	if err := c.handshake(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) handshake(ctx context.Context) error {
	stop := c.watch(ctx)
	defer stop()

	msg, err := c.read()
	if err != nil {
		return fmt.Errorf("qmp: read greeting from %s: %w", c.path, c.contextError(ctx, err))
	}
	if msg.Greeting == nil {
		return fmt.Errorf("qmp: %s sent no greeting (expected an object with a \"QMP\" member first)", c.path)
	}
	if _, err := c.execute(ctx, "qmp_capabilities", nil); err != nil {
		return err
	}
	return nil
}

// Execute sends command with args (nil for none, otherwise a value that
// encodes to a JSON object) and returns the "return" member of the reply.
// A QMP error reply is returned as an [*Error].
func (c *Client) Execute(ctx context.Context, command string, args any) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.broken != nil {
		return nil, fmt.Errorf("qmp: %s not sent, the connection to %s failed earlier: %w", command, c.path, c.broken)
	}
	stop := c.watch(ctx)
	defer stop()
	return c.execute(ctx, command, args)
}

func (c *Client) execute(ctx context.Context, command string, args any) (json.RawMessage, error) {
	c.nextID++
	id := c.nextID
	request := struct {
		Execute   string `json:"execute"`
		Arguments any    `json:"arguments,omitempty"`
		ID        int    `json:"id"`
	}{command, args, id}
	line, err := json.Marshal(request)
	if err != nil {
		return nil, fmt.Errorf("qmp: encode arguments of %s: %w", command, err)
	}
	if _, err := c.conn.Write(append(line, '\n')); err != nil {
		c.broken = c.contextError(ctx, err)
		return nil, fmt.Errorf("qmp: send %s to %s: %w", command, c.path, c.broken)
	}

	for {
		msg, err := c.read()
		if err != nil {
			c.broken = c.contextError(ctx, err)
			return nil, fmt.Errorf("qmp: read reply to %s from %s: %w", command, c.path, c.broken)
		}
		if msg.Event != "" {
			c.events = append(c.events, Event{Name: msg.Event, Data: msg.Data})
			continue
		}
		if string(msg.ID) != fmt.Sprint(id) {
			c.broken = fmt.Errorf("reply with id %s while waiting for id %d", msg.ID, id)
			return nil, fmt.Errorf("qmp: %s: %w", command, c.broken)
		}
		if msg.Error != nil {
			return nil, &Error{Command: command, Class: msg.Error.Class, Desc: msg.Error.Desc}
		}
		if msg.Return == nil {
			return nil, fmt.Errorf("qmp: reply to %s from %s has neither \"return\" nor \"error\"", command, c.path)
		}
		return msg.Return, nil
	}
}

// read returns the next message. Each message is one line of JSON.
func (c *Client) read() (*message, error) {
	if !c.scanner.Scan() {
		if err := c.scanner.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("connection closed by QEMU")
	}
	var msg message
	if err := json.Unmarshal(c.scanner.Bytes(), &msg); err != nil {
		return nil, fmt.Errorf("invalid JSON message %.200q: %w", c.scanner.Bytes(), err)
	}
	return &msg, nil
}

// watch makes blocked reads and writes return once ctx is done. The
// returned function undoes this and must be called before the next command.
func (c *Client) watch(ctx context.Context) func() {
	stop := context.AfterFunc(ctx, func() {
		c.conn.SetDeadline(time.Unix(1, 0))
	})
	return func() {
		if !stop() {
			c.conn.SetDeadline(time.Time{})
		}
	}
}

// contextError returns ctx's error in place of err when the context ended
// the operation, so that callers see "context deadline exceeded".
func (c *Client) contextError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// Events returns the asynchronous events received so far, oldest first.
func (c *Client) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// Close closes the connection. QEMU keeps running.
func (c *Client) Close() error {
	return c.conn.Close()
}
