package qmp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The messages below follow QEMU's docs/interop/qmp-spec.rst.
const greeting = `{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}`

// A request is one command as the fake server received it.
type request struct {
	Execute   string          `json:"execute"`
	Arguments json.RawMessage `json:"arguments"`
	ID        json.RawMessage `json:"id"`
}

// handler writes the fake server's lines for one request. Returning false
// closes the connection.
type handler func(req request, reply func(line string)) bool

// startServer runs a fake QMP server on a Unix socket in a temporary
// directory. It sends first (the greeting, unless empty) and then handles
// each request with h. Received requests are sent on the returned channel.
func startServer(t *testing.T, first string, h handler) (string, <-chan request) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qmp.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatalf("listen on %s: %v", path, err)
	}
	t.Cleanup(func() { ln.Close() })

	requests := make(chan request, 16)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		reply := func(line string) { conn.Write([]byte(line + "\r\n")) }
		if first != "" {
			reply(first)
		}
		scanner := bufio.NewScanner(conn)
		for scanner.Scan() {
			var req request
			if err := json.Unmarshal(scanner.Bytes(), &req); err != nil {
				reply(`{"error": {"class": "GenericError", "desc": "JSON parse error"}}`)
				continue
			}
			requests <- req
			if !h(req, reply) {
				return
			}
		}
	}()
	return path, requests
}

// qemuLike replies as QEMU 7.2 does to the commands the tests use.
func qemuLike(req request, reply func(string)) bool {
	id := string(req.ID)
	switch req.Execute {
	case "qmp_capabilities":
		reply(`{"return": {}, "id": ` + id + `}`)
	case "query-status":
		reply(`{"return": {"status": "running", "singlestep": false, "running": true}, "id": ` + id + `}`)
	case "stop":
		reply(`{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "STOP"}`)
		reply(`{"return": {}, "id": ` + id + `}`)
	case "pmemsave":
		reply(`{"return": {}, "id": ` + id + `}`)
	default:
		reply(`{"id": ` + id + `, "error": {"class": "CommandNotFound", "desc": "The command ` + req.Execute + ` has not been found"}}`)
	}
	return true
}

func dial(t *testing.T, path string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatalf("Dial(%s): %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestDialSendsCapabilities(t *testing.T) {
	path, requests := startServer(t, greeting, qemuLike)
	dial(t, path)

	req := <-requests
	if req.Execute != "qmp_capabilities" {
		t.Errorf("first command = %q, want qmp_capabilities", req.Execute)
	}
}

func TestExecuteReturnsResult(t *testing.T) {
	path, _ := startServer(t, greeting, qemuLike)
	c := dial(t, path)

	raw, err := c.Execute(context.Background(), "query-status", nil)
	if err != nil {
		t.Fatalf("query-status: %v", err)
	}
	var status struct {
		Status  string `json:"status"`
		Running bool   `json:"running"`
	}
	if err := json.Unmarshal(raw, &status); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	if status.Status != "running" {
		t.Errorf("status = %q, want running", status.Status)
	}
	if !status.Running {
		t.Errorf("running = false, want true")
	}
}

func TestExecuteSendsArguments(t *testing.T) {
	path, requests := startServer(t, greeting, qemuLike)
	c := dial(t, path)
	<-requests // qmp_capabilities

	args := map[string]any{"val": 0, "size": 67108864, "filename": "/tmp/raw.mem"}
	if _, err := c.Execute(context.Background(), "pmemsave", args); err != nil {
		t.Fatalf("pmemsave: %v", err)
	}
	req := <-requests
	var got struct {
		Val      uint64 `json:"val"`
		Size     uint64 `json:"size"`
		Filename string `json:"filename"`
	}
	if err := json.Unmarshal(req.Arguments, &got); err != nil {
		t.Fatalf("decode arguments %s: %v", req.Arguments, err)
	}
	if got.Val != 0 || got.Size != 67108864 || got.Filename != "/tmp/raw.mem" {
		t.Errorf("arguments = %+v, want val 0, size 67108864, filename /tmp/raw.mem", got)
	}
	if len(req.ID) == 0 {
		t.Errorf("request has no id")
	}
}

func TestExecuteErrorReply(t *testing.T) {
	path, _ := startServer(t, greeting, qemuLike)
	c := dial(t, path)

	_, err := c.Execute(context.Background(), "no-such-command", nil)
	var qerr *Error
	if !errors.As(err, &qerr) {
		t.Fatalf("error = %v, want *qmp.Error", err)
	}
	if qerr.Class != "CommandNotFound" {
		t.Errorf("class = %q, want CommandNotFound", qerr.Class)
	}
	if qerr.Desc != "The command no-such-command has not been found" {
		t.Errorf("desc = %q", qerr.Desc)
	}
	if qerr.Command != "no-such-command" {
		t.Errorf("command = %q, want no-such-command", qerr.Command)
	}

	// An error reply leaves the connection usable.
	if _, err := c.Execute(context.Background(), "query-status", nil); err != nil {
		t.Errorf("query-status after an error reply: %v", err)
	}
}

func TestEventsKeptBetweenReplies(t *testing.T) {
	path, _ := startServer(t, greeting, qemuLike)
	c := dial(t, path)

	if _, err := c.Execute(context.Background(), "stop", nil); err != nil {
		t.Fatalf("stop: %v", err)
	}
	events := c.Events()
	if len(events) != 1 {
		t.Fatalf("events = %v, want one STOP event", events)
	}
	if events[0].Name != "STOP" {
		t.Errorf("event name = %q, want STOP", events[0].Name)
	}
}

func TestExecuteContextTimeout(t *testing.T) {
	silent := func(req request, reply func(string)) bool {
		if req.Execute == "qmp_capabilities" {
			reply(`{"return": {}, "id": ` + string(req.ID) + `}`)
		}
		return true
	}
	path, _ := startServer(t, greeting, silent)
	c := dial(t, path)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Execute(ctx, "query-status", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}

	_, err = c.Execute(context.Background(), "query-status", nil)
	if err == nil || !strings.Contains(err.Error(), "failed earlier") {
		t.Errorf("second command error = %v, want a failed-earlier error", err)
	}
}

func TestDialWithoutGreeting(t *testing.T) {
	path, _ := startServer(t, `{"return": {}}`, qemuLike)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "no greeting") {
		t.Errorf("Dial error = %v, want a no-greeting error", err)
	}
}

func TestDialInvalidJSON(t *testing.T) {
	path, _ := startServer(t, `{"QMP": `, qemuLike)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "invalid JSON") {
		t.Errorf("Dial error = %v, want an invalid-JSON error", err)
	}
}

func TestDialMissingSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.sock")

	_, err := Dial(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Dial error = %v, want an error naming %s", err, path)
	}
}

func TestServerClosesConnection(t *testing.T) {
	quitting := func(req request, reply func(string)) bool {
		if req.Execute == "qmp_capabilities" {
			reply(`{"return": {}, "id": ` + string(req.ID) + `}`)
			return true
		}
		return false
	}
	path, _ := startServer(t, greeting, quitting)
	c := dial(t, path)

	_, err := c.Execute(context.Background(), "query-status", nil)
	if err == nil || !strings.Contains(err.Error(), "connection closed") {
		t.Errorf("error = %v, want a connection-closed error", err)
	}
}

func TestReplyWithWrongID(t *testing.T) {
	wrongID := func(req request, reply func(string)) bool {
		if req.Execute == "qmp_capabilities" {
			reply(`{"return": {}, "id": ` + string(req.ID) + `}`)
		} else {
			reply(`{"return": {}, "id": 999}`)
		}
		return true
	}
	path, _ := startServer(t, greeting, wrongID)
	c := dial(t, path)

	_, err := c.Execute(context.Background(), "query-status", nil)
	if err == nil || !strings.Contains(err.Error(), "id 999") {
		t.Errorf("error = %v, want an error naming id 999", err)
	}
}
