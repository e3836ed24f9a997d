package warmtransfer

import (
	"context"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// retryUnavailable retries unary calls that fail with UNAVAILABLE, as the policy says.
func retryUnavailable(policy RetryPolicy) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		delays := newBackoff(policy)
		for attempt := 1; ; attempt++ {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if err == nil || attempt >= policy.MaxAttempts || status.Code(err) != codes.Unavailable {
				return err
			}
			if !sleep(ctx, delays.next()) {
				return err
			}
		}
	}
}

// backoff yields exponentially growing, jittered delays.
type backoff struct {
	policy RetryPolicy
	delay  time.Duration
}

func newBackoff(policy RetryPolicy) *backoff {
	return &backoff{policy: policy, delay: policy.InitialBackoff}
}

// next returns the delay to wait now and grows the following one.
func (b *backoff) next() time.Duration {
	d := b.delay
	b.delay = min(time.Duration(float64(b.delay)*b.policy.Multiplier), b.policy.MaxBackoff)
	// Jitter of ±20%, so that clients cut off together do not come back together.
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// reset starts the delays over.
func (b *backoff) reset() { b.delay = b.policy.InitialBackoff }

// sleep waits for d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
