package warmtransfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	warmtransferv1 "github.com/warmtransfer/warmtransfer/clients/go/gen/warmtransfer/v1"
)

// ErrStreamerClosed is returned by TranscriptStreamer.Send after Close, or after the streamer
// stopped for good.
var ErrStreamerClosed = errors.New("warmtransfer: the transcript streamer is closed")

// StreamTranscript sends the segments of one call over StreamTranscript and returns once the
// server has acknowledged every final one (that is, stored it durably). When the stream breaks
// it reconnects and re-sends the unacknowledged segments, in seq order, before the rest; the
// server acknowledges a re-sent segment it already stored without storing it twice.
//
// It returns nil when every final segment is acknowledged. Otherwise it returns the status that
// stopped it (see TranscriptStreamer), an error naming the segments the server rejected, or,
// when ctx ends first, an error wrapping ctx.Err(). TranscriptStreamer serves a producer that
// sends as it goes.
func (c *Client) StreamTranscript(ctx context.Context, callID string,
	segments []*warmtransferv1.TranscriptSegment, opts ...StreamerOption) error {
	s := c.NewTranscriptStreamer(ctx, callID, opts...)
	for _, segment := range segments {
		if err := s.Send(segment); err != nil {
			break // stopped for good: Close says why
		}
	}
	return s.Close(ctx)
}

// StreamerOption configures a TranscriptStreamer.
type StreamerOption func(*TranscriptStreamer)

// OnAck sets a function called with the seq of every acknowledged segment and whether the
// server had stored it before. It runs on the streamer's goroutine; keep it short.
func OnAck(fn func(seq int64, duplicate bool)) StreamerOption {
	return func(s *TranscriptStreamer) { s.onAck = fn }
}

// TranscriptStreamer feeds one call's segments into StreamTranscript without losing any.
//
// Every final segment is kept until the server acknowledges it. When the stream breaks the
// streamer reconnects with backoff and re-sends every unacknowledged segment, in seq order,
// before any new one. Interim segments are sent only while connected and never re-sent: a
// later final segment replaces them.
//
// What re-sending cannot fix stops the streamer: the call is unknown, not this key's, or not a
// call id at all (NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION,
// UNIMPLEMENTED, INVALID_ARGUMENT naming the config). A segment the server rejects
// (INVALID_ARGUMENT, RESOURCE_EXHAUSTED) is dropped, and the others go on. After any other
// failure the streamer reconnects with backoff, for as long as its context lives.
//
// Its methods are safe for concurrent use.
type TranscriptStreamer struct {
	client *Client
	callID string
	onAck  func(seq int64, duplicate bool)
	ctx    context.Context // the context the streamer was started with
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns

	mu        sync.Mutex
	pending   map[int64]*warmtransferv1.TranscriptSegment // final segments not yet acknowledged
	settled   chan struct{}                               // closed while nothing is pending
	queue     []*warmtransferv1.StreamTranscriptRequest   // to send on the current stream
	connected bool                                        // a stream is open; queue feeds it
	closing   bool
	err       error   // the status that stopped the streamer for good
	dropped   []int64 // seqs the server rejected
	wake      chan struct{}
}

// NewTranscriptStreamer starts streaming the segments of call callID in the background; it
// connects at once and keeps reconnecting until Close or until ctx ends.
func (c *Client) NewTranscriptStreamer(ctx context.Context, callID string,
	opts ...StreamerOption) *TranscriptStreamer {
	runCtx, cancel := context.WithCancel(ctx)
	s := &TranscriptStreamer{
		ctx:     ctx,
		client:  c,
		callID:  callID,
		cancel:  cancel,
		done:    make(chan struct{}),
		pending: map[int64]*warmtransferv1.TranscriptSegment{},
		settled: make(chan struct{}),
		wake:    make(chan struct{}, 1),
	}
	close(s.settled)
	for _, opt := range opts {
		opt(s)
	}
	go s.run(runCtx)
	return s
}

// Send queues a segment; a final one is kept until acknowledged. It never blocks. It fails
// with ErrStreamerClosed after Close, or with the status that stopped the streamer.
func (s *TranscriptStreamer) Send(segment *warmtransferv1.TranscriptSegment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.closing || isClosed(s.done) {
		return ErrStreamerClosed
	}
	if segment.GetIsFinal() {
		if len(s.pending) == 0 {
			s.settled = make(chan struct{})
		}
		s.pending[segment.GetSeq()] = segment
	}
	if s.connected {
		s.queue = append(s.queue, segmentRequest(segment))
		s.signal()
	}
	return nil
}

// Unacknowledged returns how many final segments were sent (or queued) and not yet
// acknowledged.
func (s *TranscriptStreamer) Unacknowledged() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Dropped returns the seqs of the segments the server rejected, which were not stored.
func (s *TranscriptStreamer) Dropped() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dropped)
}

// Wait blocks until every final segment sent so far is acknowledged (it then returns nil), the
// streamer stops for good, or ctx ends (it then returns ctx.Err()). A streamer that stopped
// returns the status that stopped it, or ErrStreamerClosed if segments were left pending.
func (s *TranscriptStreamer) Wait(ctx context.Context) error {
	s.mu.Lock()
	settled := s.settled
	s.mu.Unlock()
	select {
	case <-settled:
	case <-s.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return s.err
	case isClosed(s.done) && len(s.pending) > 0:
		return fmt.Errorf("%w with %d segments unacknowledged", ErrStreamerClosed, len(s.pending))
	}
	return nil
}

// Close stops taking segments, waits until every pending one is acknowledged or ctx ends, then
// disconnects. It returns nil when everything sent was acknowledged; otherwise the status that
// stopped the streamer, an error listing the segments the server rejected, or an error saying
// how many were left unacknowledged (wrapping ctx.Err()).
func (s *TranscriptStreamer) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.signal()
	s.mu.Unlock()
	select {
	case <-s.done:
	case <-ctx.Done():
		s.cancel()
		<-s.done
	}
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return s.err
	case len(s.pending) > 0:
		seqs := sortedKeys(s.pending)
		cause := ctx.Err()
		if cause == nil {
			cause = context.Cause(s.ctx) // the streamer's own context ended
		}
		return fmt.Errorf("warmtransfer: call %s: %d transcript segments left unacknowledged "+
			"(seqs %v): %w", s.callID, len(seqs), seqs[:min(len(seqs), 5)], cause)
	case len(s.dropped) > 0:
		return fmt.Errorf("warmtransfer: call %s: the server rejected transcript segments %v",
			s.callID, s.dropped)
	}
	return nil
}

// fatalCodes stop the streamer: re-sending cannot help.
var fatalCodes = []codes.Code{
	codes.NotFound, codes.PermissionDenied, codes.Unauthenticated, codes.FailedPrecondition,
	codes.Unimplemented,
}

// refusesConfig reports whether err rejects the stream's config message (a malformed call id),
// which no re-send can fix, rather than a segment.
func refusesConfig(err error) bool {
	if status.Code(err) != codes.InvalidArgument {
		return false
	}
	for _, detail := range status.Convert(err).Details() {
		if bad, ok := detail.(*errdetails.BadRequest); ok {
			for _, violation := range bad.GetFieldViolations() {
				if strings.HasPrefix(violation.GetField(), "config") {
					return true
				}
			}
		}
	}
	return false
}

// rejectedCodes condemn one segment, the oldest unacknowledged: it is dropped, the rest go on.
var rejectedCodes = []codes.Code{codes.InvalidArgument, codes.ResourceExhausted}

func (s *TranscriptStreamer) run(ctx context.Context) {
	defer close(s.done)
	delays := newBackoff(s.client.retry)
	for {
		s.mu.Lock()
		finished := s.closing && len(s.pending) == 0
		s.mu.Unlock()
		if finished || ctx.Err() != nil {
			return
		}
		progressed, err := s.session(ctx)
		if progressed {
			delays.reset()
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			s.mu.Lock()
			finished = s.closing && len(s.pending) == 0
			s.mu.Unlock()
			if finished {
				return
			}
		}
		code := status.Code(err)
		switch {
		case err == nil:
			// The server ended the stream with segments pending: connect again.
		case slices.Contains(fatalCodes, code) || refusesConfig(err):
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			return
		case slices.Contains(rejectedCodes, code):
			if s.dropOldest() {
				continue
			}
		}
		if !sleep(ctx, delays.next()) {
			return
		}
	}
}

// session runs one stream: config, then the unacknowledged segments in seq order, then what
// Send queues. It returns when the stream ends, and reports whether any ack arrived.
func (s *TranscriptStreamer) session(ctx context.Context) (progressed bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := s.client.Transcripts.StreamTranscript(ctx)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	s.queue = []*warmtransferv1.StreamTranscriptRequest{{
		Request: &warmtransferv1.StreamTranscriptRequest_Config{
			Config: &warmtransferv1.StreamTranscriptConfig{CallId: s.callID},
		},
	}}
	for _, seq := range sortedKeys(s.pending) {
		s.queue = append(s.queue, segmentRequest(s.pending[seq]))
	}
	s.connected = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.connected, s.queue = false, nil
		s.mu.Unlock()
	}()

	sent := make(chan struct{})
	go func() {
		defer close(sent)
		s.sendLoop(ctx, stream)
	}()
	defer func() { cancel(); <-sent }()

	for {
		ack, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return progressed, nil
		}
		if err != nil {
			return progressed, err
		}
		progressed = true
		s.acked(ack.GetAckedSeq(), ack.GetDuplicate(), false)
	}
}

// sendLoop writes the queue to the stream until the stream fails, or half-closes it once the
// streamer is closing and the queue is empty; the server then acknowledges what it has read and
// ends the stream.
func (s *TranscriptStreamer) sendLoop(ctx context.Context, stream grpc.BidiStreamingClient[
	warmtransferv1.StreamTranscriptRequest, warmtransferv1.StreamTranscriptResponse]) {
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		finished := len(batch) == 0 && s.closing // nothing more will come for this stream
		s.mu.Unlock()
		if finished {
			_ = stream.CloseSend()
			return
		}
		for _, request := range batch {
			if err := stream.Send(request); err != nil {
				return // Recv reports the stream's status
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
	}
}

// acked forgets an acknowledged (or, with dropped, a rejected) segment.
func (s *TranscriptStreamer) acked(seq int64, duplicate, dropped bool) {
	s.mu.Lock()
	_, known := s.pending[seq]
	delete(s.pending, seq)
	if known && dropped {
		s.dropped = append(s.dropped, seq)
	}
	if len(s.pending) == 0 && !isClosed(s.settled) {
		close(s.settled)
	}
	onAck := s.onAck
	s.mu.Unlock()
	if known && !dropped && onAck != nil {
		onAck(seq, duplicate)
	}
}

// dropOldest drops the oldest unacknowledged segment, the one the server rejected; false if
// there is none.
func (s *TranscriptStreamer) dropOldest() bool {
	s.mu.Lock()
	if len(s.pending) == 0 {
		s.mu.Unlock()
		return false
	}
	seq := sortedKeys(s.pending)[0]
	s.mu.Unlock()
	s.acked(seq, false, true)
	return true
}

// signal wakes the sender; s.mu must be held.
func (s *TranscriptStreamer) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func segmentRequest(segment *warmtransferv1.TranscriptSegment) *warmtransferv1.StreamTranscriptRequest {
	return &warmtransferv1.StreamTranscriptRequest{
		Request: &warmtransferv1.StreamTranscriptRequest_Segment{Segment: segment},
	}
}

func sortedKeys(m map[int64]*warmtransferv1.TranscriptSegment) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
