// Command rehome moves infrastructure from one platform to another:
// `rehome plan` discovers, audits and prints an ordered move plan, `rehome
// apply` carries it out with a journal, `rehome rollback` undoes it.
//
// This package only parses flags, builds the provider registry and renders
// (package views); the work is in engine, planner and the providers.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	// A closed pipe on stdout (rehome apply -json | head) must not kill an
	// apply mid-write; writes then fail and the run goes on, journaled.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := profile(os.Getenv("REHOME_CPUPROFILE"))
	code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.LookupEnv)
	stopProfile()
	heapProfile(os.Getenv("REHOME_MEMPROFILE"))
	stop()
	os.Exit(code)
}

// profile writes a CPU profile of the run to path when it is set (for
// `go tool pprof`; as Terraform's TF_CPU_PROFILE).
func profile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rehome: REHOME_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// heapProfile writes the run's heap profile to path when it is set: its
// alloc_space view says where the run allocated, for `go tool pprof`.
func heapProfile(path string) {
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rehome: REHOME_MEMPROFILE: %v\n", err)
	}
}
