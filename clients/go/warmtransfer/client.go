// Package warmtransfer is the Go client of the Warm Transfer API (package warmtransfer.v1).
//
// Dial opens one gRPC connection whose every call carries the API key, and exposes the five
// generated service clients over it:
//
//	client, err := warmtransfer.Dial("127.0.0.1:50051", apiKey)
//	if err != nil {
//		return err
//	}
//	defer client.Close()
//	created, err := client.Calls.CreateCall(ctx, &warmtransferv1.CreateCallRequest{CustomerId: "cust-42"})
//
// Unary calls that fail with UNAVAILABLE are retried with bounded exponential backoff. Two
// helpers cover the streaming RPCs, which a plain retry cannot:
//
//   - [Client.WatchCall] follows a call's events and, when the stream drops, resumes it from the
//     cursor of the last event it delivered, so the callback sees every event once, in order.
//   - [TranscriptStreamer] (and the one-shot [Client.StreamTranscript]) ingests transcript
//     segments, keeps every final segment until the server acknowledges it, and re-sends the
//     unacknowledged ones after a reconnect.
package warmtransfer

import (
	"context"
	"crypto/tls"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	warmtransferv1 "github.com/warmtransfer/warmtransfer/clients/go/gen/warmtransfer/v1"
)

// Client holds one connection to a Warm Transfer server and a client for each of its services.
// It is safe for concurrent use; Close it when done.
type Client struct {
	// Calls creates, lists and ends calls and mints LiveKit join tokens.
	Calls warmtransferv1.CallServiceClient
	// Transcripts ingests transcript segments, serves transcripts and streams call events.
	Transcripts warmtransferv1.TranscriptServiceClient
	// Summaries serves the rolling summary of a call.
	Summaries warmtransferv1.SummaryServiceClient
	// Transfers starts, completes and cancels warm transfers.
	Transfers warmtransferv1.TransferServiceClient
	// Context searches the redacted history of the tenant's calls.
	Context warmtransferv1.ContextServiceClient

	conn  *grpc.ClientConn
	retry RetryPolicy
}

// RetryPolicy says how the client retries and reconnects.
//
// A unary call that fails with UNAVAILABLE is tried again after a delay that starts at
// InitialBackoff and is multiplied by Multiplier after each failure, up to MaxBackoff (each
// delay is jittered by up to 20%), for at most MaxAttempts attempts in all. Note that a retried
// call may have reached the server the first time (CreateCall and StartTransfer are not
// idempotent); set MaxAttempts to 1 where that matters.
//
// The streaming helpers reconnect with the same delays, for as long as their context lives; the
// delay starts over once a connection makes progress.
type RetryPolicy struct {
	// MaxAttempts is how many times a unary call is tried in all, the first time included.
	// 1 disables retries; 0 means the default, 5.
	MaxAttempts int
	// InitialBackoff is the first delay; 0 means the default, 100 ms.
	InitialBackoff time.Duration
	// MaxBackoff caps the delay; 0 means the default, 2 s.
	MaxBackoff time.Duration
	// Multiplier grows the delay after each failure; values below 1 mean the default, 2.
	Multiplier float64
}

// DefaultRetryPolicy is the policy of a client dialled without WithRetryPolicy.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:    5,
	InitialBackoff: 100 * time.Millisecond,
	MaxBackoff:     2 * time.Second,
	Multiplier:     2,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = DefaultRetryPolicy.InitialBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultRetryPolicy.MaxBackoff
	}
	if p.MaxBackoff < p.InitialBackoff {
		p.MaxBackoff = p.InitialBackoff
	}
	if p.Multiplier < 1 {
		p.Multiplier = DefaultRetryPolicy.Multiplier
	}
	return p
}

// Option configures Dial.
type Option func(*options)

type options struct {
	transport   credentials.TransportCredentials
	retry       RetryPolicy
	dialOptions []grpc.DialOption
}

// WithTLS makes the connection use TLS with the given configuration (nil for the system roots
// and the target's host name). Without it the connection is plaintext, which suits loopback
// and private networks only: the API key travels in every call.
func WithTLS(config *tls.Config) Option {
	if config == nil {
		config = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return WithTransportCredentials(credentials.NewTLS(config))
}

// WithTransportCredentials sets the transport security of the connection, for example
// credentials.NewClientTLSFromFile. Any credentials other than insecure ones make the client
// refuse to send the API key over a connection that lacks transport security.
func WithTransportCredentials(creds credentials.TransportCredentials) Option {
	return func(o *options) { o.transport = creds }
}

// WithRetryPolicy replaces DefaultRetryPolicy; zero fields take their defaults.
func WithRetryPolicy(policy RetryPolicy) Option {
	return func(o *options) { o.retry = policy }
}

// WithDialOptions passes extra options to grpc.NewClient (interceptors, keepalive, a custom
// dialer, ...). They are applied after the client's own.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOptions = append(o.dialOptions, opts...) }
}

// Dial returns a client for the server at target ("host:port", or any gRPC target string)
// that authenticates every call with apiKey. Like grpc.NewClient it does not wait for the
// server: the connection is made by the first call.
func Dial(target string, apiKey string, opts ...Option) (*Client, error) {
	if apiKey == "" {
		return nil, errors.New("warmtransfer: an API key is required")
	}
	o := options{retry: DefaultRetryPolicy}
	for _, opt := range opts {
		opt(&o)
	}
	o.retry = o.retry.withDefaults()
	transport := o.transport
	secure := transport != nil && transport.Info().SecurityProtocol != "insecure"
	if transport == nil {
		transport = insecure.NewCredentials()
	}
	dialOptions := append([]grpc.DialOption{
		grpc.WithTransportCredentials(transport),
		grpc.WithPerRPCCredentials(bearerToken{token: apiKey, requireTLS: secure}),
		grpc.WithChainUnaryInterceptor(retryUnavailable(o.retry)),
	}, o.dialOptions...)
	conn, err := grpc.NewClient(target, dialOptions...)
	if err != nil {
		return nil, err
	}
	return &Client{
		Calls:       warmtransferv1.NewCallServiceClient(conn),
		Transcripts: warmtransferv1.NewTranscriptServiceClient(conn),
		Summaries:   warmtransferv1.NewSummaryServiceClient(conn),
		Transfers:   warmtransferv1.NewTransferServiceClient(conn),
		Context:     warmtransferv1.NewContextServiceClient(conn),
		conn:        conn,
		retry:       o.retry,
	}, nil
}

// Conn returns the underlying connection, for services or stubs of your own.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes the connection; calls in flight fail with CANCELED.
func (c *Client) Close() error { return c.conn.Close() }

// bearerToken puts "authorization: Bearer <key>" in the metadata of every call.
type bearerToken struct {
	token      string
	requireTLS bool
}

func (b bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (b bearerToken) RequireTransportSecurity() bool { return b.requireTLS }
