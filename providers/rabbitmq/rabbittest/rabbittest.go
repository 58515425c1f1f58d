// Package rabbittest gives tests a RabbitMQ virtual host of their own on
// the local server (127.0.0.1:5672, guest/guest). Vhosts are made with
// `rabbitmqctl add_vhost` (the management plugin is not needed) and
// deleted with t.Cleanup; where rabbitmqctl cannot be run, the default
// vhost is used and tests keep apart by unique queue names.
//
// It is test support: only tests import it.
package rabbittest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Addr is the local server.
const Addr = "127.0.0.1:5672"

// Unique returns a short name no other test uses.
func Unique() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:])
}

// Vhost makes a vhost named name for the test and returns its AMQP URL;
// the test fails when the server is down.
func Vhost(t *testing.T, name string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", Addr, 2*time.Second)
	if err != nil {
		t.Fatalf("RabbitMQ at %s is down (%v): start it with `rabbitmq-server -detached`", Addr, err)
	}
	c.Close()
	ctl := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "rabbitmqctl", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("rabbitmqctl %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := ctl("add_vhost", name); err != nil {
		t.Logf("no vhost of its own (%v); using the default vhost with unique queue names", err)
		return "amqp://guest:guest@" + Addr + "/"
	}
	t.Cleanup(func() {
		if err := ctl("delete_vhost", name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*"); err != nil {
		t.Fatal(err)
	}
	return "amqp://guest:guest@" + Addr + "/" + name
}
