package warmtransfer

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	warmtransferv1 "github.com/warmtransfer/warmtransfer/clients/go/gen/warmtransfer/v1"
)

// ErrStopWatch is returned by a WatchCall callback to end the watch early; WatchCall then
// returns nil.
var ErrStopWatch = errors.New("warmtransfer: stop watching")

// WatchCall follows the events of a call, calling fn with each one in order, and returns nil
// when the server ends the stream (after the call has ended and its final summary was sent).
//
// It starts after afterCursor (empty for the call's first event). When the stream breaks
// (UNAVAILABLE: the network dropped, the server restarted) it reconnects with backoff, for as
// long as ctx lives, and resumes after the cursor of the last event it delivered, so fn sees
// every stored event exactly once, with no gap. Interim segments are live only: those sent while disconnected are lost,
// which is harmless since the final segment replaces them.
//
// WatchCall returns ctx.Err() when ctx ends, the error fn returns (nil for ErrStopWatch), or the
// status of a failure that reconnecting cannot fix (NOT_FOUND, INVALID_ARGUMENT,
// UNAUTHENTICATED, ...). fn runs on the calling goroutine; while it runs, no event is read.
func (c *Client) WatchCall(ctx context.Context, callID, afterCursor string,
	fn func(*warmtransferv1.WatchCallResponse) error) error {
	cursor := afterCursor
	delays := newBackoff(c.retry)
	for {
		progressed, err := c.watchOnce(ctx, callID, &cursor, fn)
		var stop callbackError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &stop):
			if errors.Is(stop.err, ErrStopWatch) {
				return nil
			}
			return stop.err
		case ctx.Err() != nil:
			return ctx.Err()
		case !reconnectable(ctx, err):
			return err
		}
		if progressed {
			delays.reset()
		}
		if !sleep(ctx, delays.next()) {
			return ctx.Err()
		}
	}
}

// callbackError carries an error returned by a WatchCall callback.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// watchOnce runs one WatchCall stream, advancing *cursor past every stored event delivered.
// It reports whether any event arrived.
func (c *Client) watchOnce(ctx context.Context, callID string, cursor *string,
	fn func(*warmtransferv1.WatchCallResponse) error) (progressed bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Transcripts.WatchCall(ctx, &warmtransferv1.WatchCallRequest{
		CallId:      callID,
		AfterCursor: *cursor,
	})
	if err != nil {
		return false, err
	}
	for {
		event, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return progressed, nil
		}
		if err != nil {
			return progressed, err
		}
		progressed = true
		// An interim carries the cursor of the last stored event and is never replayed: it
		// neither moves the cursor nor counts as a repeat.
		if event.GetSegmentInterim() == nil {
			if event.GetCursor() == *cursor {
				continue // already delivered; the server does not resend, but be sure
			}
			*cursor = event.GetCursor()
		}
		if err := fn(event); err != nil {
			return progressed, callbackError{err}
		}
	}
}

// reconnectable reports whether a broken stream is worth opening again: the server or the
// network went away (UNAVAILABLE), or something between cut the stream while ctx still lives.
func reconnectable(ctx context.Context, err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.Aborted:
		return true
	case codes.Canceled:
		return ctx.Err() == nil
	}
	return false
}
