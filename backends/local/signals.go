package local

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// WithSignals wires Ctrl-C to a run: the first SIGINT or SIGTERM cancels
// the returned context (stop scheduling, terminate running groups with the
// grace period), the second closes kill (SIGKILL them at once). Call
// release when the run is over.
func WithSignals(parent context.Context) (ctx context.Context, kill <-chan struct{}, release func()) {
	ctx, cancel := context.WithCancel(parent)
	killCh := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			close(killCh)
		case <-done:
		}
	}()
	return ctx, killCh, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
