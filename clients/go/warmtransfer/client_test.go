package warmtransfer_test

// These tests run against a live server: WARMTRANSFER_TARGET (host:port) and
// WARMTRANSFER_API_KEY name it and a key of one of its tenants (tests/clients/test_go.py starts
// one and sets both). Dropped connections are real: the client under test talks to the server
// through a TCP proxy that the test cuts.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	warmtransferv1 "github.com/warmtransfer/warmtransfer/clients/go/gen/warmtransfer/v1"
	"github.com/warmtransfer/warmtransfer/clients/go/warmtransfer"
)

// problemLines is a support call whose reason is stated in its second line.
var problemLines = []string{
	"Thank you for calling Contoso Bank, how can I help you today?",
	"I'm calling because my card was charged twice for the March bill.",
	"I'm sorry to hear that. Can you tell me the amount of the two charges?",
	"Both are for eighty-four dollars and they were posted on the same day.",
	"I can see two identical payments to the electricity company on March third.",
	"I need the duplicate payment refunded before my rent is due next week.",
	"I will open a dispute for the second charge right away.",
	"Refunds are handled by our billing team, so I am transferring you to a specialist.",
}

// fastRetries keeps reconnect delays short, so that the tests spend their time on the server.
var fastRetries = warmtransfer.WithRetryPolicy(warmtransfer.RetryPolicy{
	MaxAttempts:    8,
	InitialBackoff: 20 * time.Millisecond,
	MaxBackoff:     200 * time.Millisecond,
})

// fastReconnects makes the connection itself come back quickly after a cut.
var fastReconnects = warmtransfer.WithDialOptions(grpc.WithConnectParams(grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: 20 * time.Millisecond, Multiplier: 1.6, MaxDelay: 200 * time.Millisecond},
	MinConnectTimeout: 2 * time.Second,
}))

// liveServer returns the target and API key of the server under test; it fails the test when
// they are not set.
func liveServer(t *testing.T) (target, apiKey string) {
	t.Helper()
	target, apiKey = os.Getenv("WARMTRANSFER_TARGET"), os.Getenv("WARMTRANSFER_API_KEY")
	if target == "" || apiKey == "" {
		t.Fatal("WARMTRANSFER_TARGET and WARMTRANSFER_API_KEY must name a running server and a key")
	}
	return target, apiKey
}

// dial connects to target (the server itself by default) and closes the client after the test.
func dial(t *testing.T, target, apiKey string, opts ...warmtransfer.Option) *warmtransfer.Client {
	t.Helper()
	client, err := warmtransfer.Dial(target, apiKey, opts...)
	if err != nil {
		t.Fatalf("Dial(%q): %v", target, err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newCall(ctx context.Context, t *testing.T, client *warmtransfer.Client) string {
	t.Helper()
	created, err := client.Calls.CreateCall(ctx, &warmtransferv1.CreateCallRequest{
		CustomerId: fmt.Sprintf("cust-go-test-%d", time.Now().UnixNano()),
	})
	if err != nil {
		t.Fatalf("CreateCall: %v", err)
	}
	return created.GetCall().GetCallId()
}

// segment is final segment seq; odd seqs are the agent's, even ones the caller's.
func segment(seq int64, text string) *warmtransferv1.TranscriptSegment {
	role, identity := warmtransferv1.SpeakerRole_SPEAKER_ROLE_AGENT, "agent-a"
	if seq%2 == 0 {
		role, identity = warmtransferv1.SpeakerRole_SPEAKER_ROLE_CALLER, "caller"
	}
	start := time.Duration(seq) * 4 * time.Second
	return &warmtransferv1.TranscriptSegment{
		Seq:             seq,
		SpeakerIdentity: identity,
		SpeakerRole:     role,
		Text:            text,
		StartOffset:     durationpb.New(start),
		EndOffset:       durationpb.New(start + 3*time.Second),
		IsFinal:         true,
	}
}

// numbered returns final segments first..last, with distinct, unremarkable text.
func numbered(first, last int64) []*warmtransferv1.TranscriptSegment {
	var out []*warmtransferv1.TranscriptSegment
	for seq := first; seq <= last; seq++ {
		out = append(out, segment(seq, fmt.Sprintf("This is line number %d of the conversation.", seq)))
	}
	return out
}

func TestSummaryReasonNamesTheProblem(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	client := dial(t, target, apiKey)
	callID := newCall(ctx, t, client)

	var segments []*warmtransferv1.TranscriptSegment
	for i, text := range problemLines {
		segments = append(segments, segment(int64(i+1), text))
	}
	var acks atomic.Int64
	err := client.StreamTranscript(ctx, callID, segments,
		warmtransfer.OnAck(func(int64, bool) { acks.Add(1) }))
	if err != nil {
		t.Fatalf("StreamTranscript: %v", err)
	}
	if got := acks.Load(); got != int64(len(problemLines)) {
		t.Errorf("acks = %d, want %d", got, len(problemLines))
	}
	stored, err := client.Transcripts.GetTranscript(ctx, &warmtransferv1.GetTranscriptRequest{CallId: callID})
	if err != nil {
		t.Fatalf("GetTranscript: %v", err)
	}
	if got := len(stored.GetSegments()); got != len(problemLines) {
		t.Errorf("stored segments = %d, want %d", got, len(problemLines))
	}

	var reason string
	watchCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err = client.WatchCall(watchCtx, callID, "", func(event *warmtransferv1.WatchCallResponse) error {
		if r := event.GetSummaryUpdated().GetSummary().GetReason(); r != "" {
			reason = r
			return warmtransfer.ErrStopWatch
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WatchCall: %v", err)
	}
	if !namesTheProblem(reason) {
		t.Errorf("summary reason %q does not name the duplicate charge", reason)
	}

	summary, err := client.Summaries.GetSummary(ctx, &warmtransferv1.GetSummaryRequest{CallId: callID})
	if err != nil {
		t.Fatalf("GetSummary: %v", err)
	}
	if !namesTheProblem(summary.GetSummary().GetReason()) {
		t.Errorf("GetSummary reason %q does not name the duplicate charge", summary.GetSummary().GetReason())
	}
}

func namesTheProblem(reason string) bool {
	reason = strings.ToLower(reason)
	return strings.Contains(reason, "charge") &&
		(strings.Contains(reason, "twice") || strings.Contains(reason, "double") ||
			strings.Contains(reason, "duplicate"))
}

// watched is what a watch delivered, stored events only (interims are live-only).
type watched struct {
	cursors []string
	seqs    []int64 // of segment_added events, in delivery order
}

func (w *watched) add(event *warmtransferv1.WatchCallResponse) {
	if event.GetSegmentInterim() != nil {
		return
	}
	w.cursors = append(w.cursors, event.GetCursor())
	if added := event.GetSegmentAdded(); added != nil {
		w.seqs = append(w.seqs, added.GetSegment().GetSeq())
	}
}

func TestWatchCallResumesAfterDroppedStream(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	direct := dial(t, target, apiKey)
	proxy := startCutProxy(t, target)
	viaProxy := dial(t, proxy.addr(), apiKey, fastRetries, fastReconnects)
	callID := newCall(ctx, t, direct)

	// Half of the call is stored before the watch starts (it is replayed), the other half is
	// streamed while the watch runs, across the cuts.
	const firstHalf, total = 20, 40
	if err := direct.StreamTranscript(ctx, callID, numbered(1, firstHalf)); err != nil {
		t.Fatalf("StreamTranscript 1..%d: %v", firstHalf, err)
	}

	var (
		got        watched
		cuts       int
		secondHalf = make(chan error, 1)
		ended      = make(chan error, 1)
		endOnce    sync.Once
	)
	err := viaProxy.WatchCall(ctx, callID, "", func(event *warmtransferv1.WatchCallResponse) error {
		got.add(event)
		switch {
		case len(got.cursors) == 5 && cuts == 0:
			// Cut the stream mid-replay, then feed the rest of the call while it reconnects.
			proxy.cut()
			cuts++
			go func() { secondHalf <- direct.StreamTranscript(ctx, callID, numbered(firstHalf+1, total)) }()
		case len(got.seqs) == 28 && cuts == 1:
			proxy.cut()
			cuts++
		case len(got.seqs) == total && cuts == 2:
			// Every segment arrived: end the call, after which the server ends the stream.
			endOnce.Do(func() {
				go func() {
					_, err := direct.Calls.EndCall(ctx, &warmtransferv1.EndCallRequest{CallId: callID})
					ended <- err
				}()
			})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WatchCall returned %v, want nil once the call ended", err)
	}
	if err := <-secondHalf; err != nil {
		t.Fatalf("StreamTranscript %d..%d: %v", firstHalf+1, total, err)
	}
	if err := <-ended; err != nil {
		t.Fatalf("EndCall: %v", err)
	}
	if cuts != 2 || proxy.accepted() < 3 {
		t.Fatalf("cuts = %d, connections = %d; want 2 cuts and 3 connections", cuts, proxy.accepted())
	}

	// Cursors strictly increase (this server's cursors are decimal positions) ...
	last := uint64(0)
	for i, cursor := range got.cursors {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			t.Fatalf("event %d: cursor %q is not decimal", i, cursor)
		}
		if n <= last {
			t.Fatalf("event %d: cursor %d after %d: a repeat or out of order (all: %v)", i, n, last, got.cursors)
		}
		last = n
	}
	// ... every segment arrived exactly once, in seq order ...
	want := make([]int64, total)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(got.seqs, want) {
		t.Fatalf("segment seqs across the cuts = %v, want 1..%d once each", got.seqs, total)
	}
	// ... and the resumed watch delivered exactly what one unbroken watch delivers.
	var unbroken watched
	err = direct.WatchCall(ctx, callID, "", func(event *warmtransferv1.WatchCallResponse) error {
		unbroken.add(event)
		return nil
	})
	if err != nil {
		t.Fatalf("unbroken WatchCall: %v", err)
	}
	if !slices.Equal(got.cursors, unbroken.cursors) {
		t.Fatalf("cursors across the cuts differ from an unbroken watch:\n got %v\nwant %v",
			got.cursors, unbroken.cursors)
	}
}

func TestWatchCallResumesFromCursor(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	client := dial(t, target, apiKey)
	callID := newCall(ctx, t, client)
	if err := client.StreamTranscript(ctx, callID, numbered(1, 6)); err != nil {
		t.Fatalf("StreamTranscript: %v", err)
	}

	var first []*warmtransferv1.WatchCallResponse
	err := client.WatchCall(ctx, callID, "", func(event *warmtransferv1.WatchCallResponse) error {
		first = append(first, event)
		if event.GetSegmentAdded().GetSegment().GetSeq() == 3 {
			return warmtransfer.ErrStopWatch
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WatchCall: %v", err)
	}
	// A caller that stored the cursor resumes after it: the next segment is 4.
	resumeAt := first[len(first)-1].GetCursor()
	var next int64
	err = client.WatchCall(ctx, callID, resumeAt, func(event *warmtransferv1.WatchCallResponse) error {
		if added := event.GetSegmentAdded(); added != nil {
			next = added.GetSegment().GetSeq()
			return warmtransfer.ErrStopWatch
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WatchCall after %q: %v", resumeAt, err)
	}
	if next != 4 {
		t.Fatalf("first segment after cursor %q = %d, want 4", resumeAt, next)
	}

	// A callback's own error ends the watch and comes back as is.
	boom := errors.New("boom")
	err = client.WatchCall(ctx, callID, "", func(*warmtransferv1.WatchCallResponse) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("WatchCall with a failing callback = %v, want %v", err, boom)
	}
}

func TestTranscriptStreamerResendsAfterDroppedStream(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	direct := dial(t, target, apiKey)
	proxy := startCutProxy(t, target)
	viaProxy := dial(t, proxy.addr(), apiKey, fastRetries, fastReconnects)
	callID := newCall(ctx, t, direct)

	const total = 60
	var (
		mu         sync.Mutex
		acked      = map[int64]int{}
		duplicates int
	)
	streamer := viaProxy.NewTranscriptStreamer(ctx, callID, warmtransfer.OnAck(func(seq int64, duplicate bool) {
		mu.Lock()
		defer mu.Unlock()
		acked[seq]++
		if duplicate {
			duplicates++
		}
	}))
	for _, seg := range numbered(1, total) {
		if err := streamer.Send(seg); err != nil {
			t.Fatalf("Send(%d): %v", seg.GetSeq(), err)
		}
		// Cut the connection twice while segments are in flight.
		if seq := seg.GetSeq(); seq == 15 || seq == 40 {
			proxy.cut()
		}
		if seg.GetSeq()%10 == 0 {
			time.Sleep(20 * time.Millisecond) // let acks come back, as a live producer would
		}
	}
	if err := streamer.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := streamer.Send(segment(total+1, "late")); !errors.Is(err, warmtransfer.ErrStreamerClosed) {
		t.Errorf("Send after Close = %v, want ErrStreamerClosed", err)
	}
	if n := streamer.Unacknowledged(); n != 0 {
		t.Errorf("Unacknowledged() = %d after Close, want 0", n)
	}
	if proxy.accepted() < 2 {
		t.Errorf("connections = %d, want a reconnect after the cuts", proxy.accepted())
	}
	t.Logf("%d connections; %d segments stored before the cut and acknowledged after the re-send",
		proxy.accepted(), duplicates)
	for seq := int64(1); seq <= total; seq++ {
		if acked[seq] != 1 {
			t.Errorf("seq %d acknowledged %d times to the producer, want once", seq, acked[seq])
		}
	}

	stored, err := direct.Transcripts.GetTranscript(ctx, &warmtransferv1.GetTranscriptRequest{CallId: callID})
	if err != nil {
		t.Fatalf("GetTranscript: %v", err)
	}
	var seqs []int64
	for _, s := range stored.GetSegments() {
		seqs = append(seqs, s.GetSeq())
	}
	want := make([]int64, total)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(seqs, want) {
		t.Fatalf("stored seqs = %v, want 1..%d once each", seqs, total)
	}
}

func TestStreamTranscriptUnknownCallStops(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	client := dial(t, target, apiKey)
	err := client.StreamTranscript(ctx, "c_000000000000000000000000", numbered(1, 2))
	if status.Code(err) != codes.NotFound {
		t.Fatalf("StreamTranscript to an unknown call = %v, want NOT_FOUND", err)
	}
	// A malformed call id is refused at once too: no segment is to blame, none is dropped.
	streamer := client.NewTranscriptStreamer(ctx, "not a call id")
	for _, seg := range numbered(1, 2) {
		_ = streamer.Send(seg) // may already fail with the status
	}
	err = streamer.Close(ctx)
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("StreamTranscript with a malformed call id = %v, want INVALID_ARGUMENT", err)
	}
	if dropped := streamer.Dropped(); len(dropped) != 0 {
		t.Fatalf("Dropped() = %v after a refused config, want none", dropped)
	}
}

func TestGetCallWithoutIDIsInvalidArgument(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	client := dial(t, target, apiKey)
	_, err := client.Calls.GetCall(ctx, &warmtransferv1.GetCallRequest{CallId: ""})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("GetCall(\"\") = %v, want INVALID_ARGUMENT", err)
	}
}

func TestWrongKeyIsUnauthenticated(t *testing.T) {
	target, _ := liveServer(t)
	ctx := testContext(t)
	client := dial(t, target, "not-a-key-of-this-server")
	_, err := client.Calls.ListCalls(ctx, &warmtransferv1.ListCallsRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("ListCalls with a wrong key = %v, want UNAUTHENTICATED", err)
	}
	err = client.WatchCall(ctx, "c_whatever", "", func(*warmtransferv1.WatchCallResponse) error { return nil })
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("WatchCall with a wrong key = %v, want UNAUTHENTICATED", err)
	}
}

func TestSearchContextWithoutQueryIsInvalidArgument(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	client := dial(t, target, apiKey)
	_, err := client.Context.SearchContext(ctx, &warmtransferv1.SearchContextRequest{
		Query:      "",
		CustomerId: "cust-go-test",
	})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("SearchContext with an empty query = %v, want INVALID_ARGUMENT", err)
	}
}

func TestUnaryCallsRetryUnavailable(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	// Nothing listens on the address yet: the first attempts fail with UNAVAILABLE, and the
	// retries reach the server once the proxy comes up.
	addr := freeAddr(t)
	var attempts atomic.Int64
	countAttempts := grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string,
		req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		attempts.Add(1)
		return invoker(ctx, method, req, reply, cc, opts...)
	})
	client := dial(t, addr, apiKey, fastRetries, fastReconnects, warmtransfer.WithDialOptions(countAttempts))
	proxyUp := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, err := listenCutProxy(t, addr, target)
		proxyUp <- err
	}()
	_, err := client.Calls.ListCalls(ctx, &warmtransferv1.ListCallsRequest{PageSize: 1})
	if err := <-proxyUp; err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("ListCalls: %v", err)
	}
	if attempts.Load() < 2 {
		t.Fatalf("attempts = %d, want retries while the server was unreachable", attempts.Load())
	}

	// With retries off, UNAVAILABLE comes back at once.
	once := dial(t, freeAddr(t), apiKey, warmtransfer.WithRetryPolicy(warmtransfer.RetryPolicy{MaxAttempts: 1}))
	if _, err := once.Calls.ListCalls(ctx, &warmtransferv1.ListCallsRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("ListCalls to nowhere = %v, want UNAVAILABLE", err)
	}
}

// cutProxy forwards TCP connections to the server, and drops them all on cut().
type cutProxy struct {
	listener net.Listener
	target   string
	count    atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func startCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	p, err := listenCutProxy(t, "127.0.0.1:0", target)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// listenCutProxy starts a proxy on addr, closed when the test ends.
func listenCutProxy(t *testing.T, addr, target string) (*cutProxy, error) {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	p := &cutProxy{listener: listener, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() {
		_ = listener.Close()
		p.cut()
	})
	go p.serve()
	return p, nil
}

func (p *cutProxy) addr() string { return p.listener.Addr().String() }

func (p *cutProxy) accepted() int64 { return p.count.Load() }

func (p *cutProxy) serve() {
	for {
		in, err := p.listener.Accept()
		if err != nil {
			return
		}
		p.count.Add(1)
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		p.mu.Lock()
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go p.pipe(in, out)
		go p.pipe(out, in)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// cut drops every connection through the proxy, as a network failure would.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for conn := range p.conns {
		_ = conn.Close()
		delete(p.conns, conn)
	}
}

// freeAddr returns a loopback address nothing listens on (at the time of the call).
func freeAddr(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := listener.Addr().String()
	_ = listener.Close()
	return addr
}

func TestTLSOptionRefusesAPlaintextServer(t *testing.T) {
	target, apiKey := liveServer(t)
	ctx := testContext(t)
	// The live server speaks plaintext: a client that insists on TLS cannot reach it, and never
	// sends the key in the clear.
	client := dial(t, target, apiKey, warmtransfer.WithTLS(nil),
		warmtransfer.WithRetryPolicy(warmtransfer.RetryPolicy{MaxAttempts: 1}))
	_, err := client.Calls.ListCalls(ctx, &warmtransferv1.ListCallsRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("ListCalls over TLS to a plaintext server = %v, want UNAVAILABLE", err)
	}
}

func TestDialRequiresAKey(t *testing.T) {
	if _, err := warmtransfer.Dial("127.0.0.1:1", ""); err == nil {
		t.Fatal("Dial with an empty API key succeeded")
	}
}
