// Command corestory drives one support call through a running Warm Transfer server: it creates
// the call, streams a scripted transcript, waits for the rolling summary to state why the
// customer called, starts a warm transfer and prints the receiving agent's briefing, searches
// the customer's history, and ends the call.
//
//	WARMTRANSFER_TARGET=127.0.0.1:50051 WARMTRANSFER_API_KEY=dev go run ./examples/corestory
//
// It exits 0 when every step succeeded.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	warmtransferv1 "github.com/warmtransfer/warmtransfer/clients/go/gen/warmtransfer/v1"
	"github.com/warmtransfer/warmtransfer/clients/go/warmtransfer"
)

const (
	caller = warmtransferv1.SpeakerRole_SPEAKER_ROLE_CALLER
	agent  = warmtransferv1.SpeakerRole_SPEAKER_ROLE_AGENT
)

// script is the conversation, one line per final transcript segment.
var script = []struct {
	role warmtransferv1.SpeakerRole
	text string
}{
	{agent, "Thank you for calling Contoso Bank, this is Alex. How can I help you today?"},
	{caller, "Hi Alex, I'm calling because my card was charged twice for the March bill."},
	{agent, "I'm sorry to hear that. Can you tell me the amount of the two charges?"},
	{caller, "Both are for eighty-four dollars and they were posted on the same day."},
	{agent, "I can see two identical payments to the electricity company on March third."},
	{caller, "I need the duplicate payment refunded before my rent is due next week."},
	{agent, "I will open a dispute for the second charge right away."},
	{agent, "Refunds are handled by our billing team, so I am transferring you to a specialist."},
}

// historyQuery is what the receiving agent asks of the customer's history.
const historyQuery = "card charged twice for the March bill"

func main() {
	log.SetFlags(0)
	if err := run(); err != nil {
		log.Fatalf("corestory: %v", err)
	}
}

func run() error {
	target := envOr("WARMTRANSFER_TARGET", "127.0.0.1:50051")
	apiKey := envOr("WARMTRANSFER_API_KEY", "dev")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	client, err := warmtransfer.Dial(target, apiKey)
	if err != nil {
		return err
	}
	defer client.Close()

	customerID := fmt.Sprintf("cust-corestory-%d", time.Now().UnixNano())
	created, err := client.Calls.CreateCall(ctx, &warmtransferv1.CreateCallRequest{
		CustomerId: customerID,
		Metadata:   map[string]string{"queue": "cards"},
	})
	if err != nil {
		return fmt.Errorf("create the call on %s: %w", target, err)
	}
	call := created.GetCall()
	fmt.Printf("call: %s (customer %s, room %s)\n", call.GetCallId(), customerID, call.GetRoomName())

	// The first agent joins the call's room: the token registers agent-a as an agent of the
	// call, which the transfer requires. (The token itself would go to a LiveKit client.)
	token, err := client.Calls.IssueToken(ctx, &warmtransferv1.IssueTokenRequest{
		CallId:   call.GetCallId(),
		Identity: "agent-a",
		Role:     warmtransferv1.ParticipantRole_PARTICIPANT_ROLE_AGENT,
	})
	if err != nil {
		return fmt.Errorf("issue agent-a's token: %w", err)
	}
	fmt.Printf("token: agent-a may join %s at %s\n", token.GetRoomName(), token.GetLivekitUrl())

	// Ingest the transcript as a speech-to-text worker would; returns once every line is stored.
	if err := client.StreamTranscript(ctx, call.GetCallId(), segments()); err != nil {
		return fmt.Errorf("stream the transcript: %w", err)
	}
	fmt.Printf("streamed: %d segments acknowledged\n", len(script))

	// Follow the call from its first event until the rolling summary knows why the customer called.
	summary, err := waitForReason(ctx, client, call.GetCallId())
	if err != nil {
		return err
	}
	fmt.Printf("summary: v%d through seq %d by %s\n",
		summary.GetVersion(), summary.GetCoveredThroughSeq(), summary.GetSummarizer())

	started, err := client.Transfers.StartTransfer(ctx, &warmtransferv1.StartTransferRequest{
		CallId:       call.GetCallId(),
		FromIdentity: "agent-a",
		ToIdentity:   "agent-b",
		Reason:       "duplicate card charge needs a billing refund",
	})
	if err != nil {
		return fmt.Errorf("start the transfer: %w", err)
	}
	briefing := started.GetBriefing()
	fmt.Printf("transfer: %s %s (consult room %s)\n", started.GetTransfer().GetTransferId(),
		started.GetTransfer().GetState(), started.GetTransfer().GetConsultRoomName())
	fmt.Printf("reason: %s\n", briefing.GetSummary().GetReason())
	fmt.Printf("briefing: %s\n", briefing.GetSummary().GetBriefing())
	for _, segment := range briefing.GetPendingSegments() {
		fmt.Printf("pending: [%d] %s: %s\n", segment.GetSeq(), who(segment.GetSpeakerRole()), segment.GetText())
	}

	snippets, err := searchHistory(ctx, client, customerID)
	if err != nil {
		return err
	}
	for _, snippet := range snippets {
		fmt.Printf("history: [%.2f] %s %s: %s\n", snippet.GetScore(), snippet.GetCallId(),
			who(snippet.GetSpeakerRole()), snippet.GetText())
	}

	ended, err := client.Calls.EndCall(ctx, &warmtransferv1.EndCallRequest{CallId: call.GetCallId()})
	if err != nil {
		return fmt.Errorf("end the call: %w", err)
	}
	fmt.Printf("ended: %s %s\n", ended.GetCall().GetCallId(), ended.GetCall().GetState())
	return nil
}

// segments turns the script into final transcript segments, seq 1 onwards.
func segments() []*warmtransferv1.TranscriptSegment {
	var out []*warmtransferv1.TranscriptSegment
	clock := time.Duration(0)
	for i, line := range script {
		identity := "caller"
		if line.role == agent {
			identity = "agent-a"
		}
		length := 2*time.Second + time.Duration(len(line.text))*70*time.Millisecond
		out = append(out, &warmtransferv1.TranscriptSegment{
			Seq:             int64(i + 1),
			SpeakerIdentity: identity,
			SpeakerRole:     line.role,
			Text:            line.text,
			StartOffset:     durationpb.New(clock),
			EndOffset:       durationpb.New(clock + length),
			IsFinal:         true,
		})
		clock += length
	}
	return out
}

// waitForReason watches the call until a summary_updated event carries a reason, printing the
// transcript as it goes by.
func waitForReason(ctx context.Context, client *warmtransfer.Client, callID string) (*warmtransferv1.CallSummary, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var summary *warmtransferv1.CallSummary
	err := client.WatchCall(ctx, callID, "", func(event *warmtransferv1.WatchCallResponse) error {
		switch e := event.GetEvent().(type) {
		case *warmtransferv1.WatchCallResponse_SegmentAdded:
			s := e.SegmentAdded.GetSegment()
			fmt.Printf("said: [%d] %s: %s\n", s.GetSeq(), who(s.GetSpeakerRole()), s.GetText())
		case *warmtransferv1.WatchCallResponse_SummaryUpdated:
			if s := e.SummaryUpdated.GetSummary(); s.GetReason() != "" {
				summary = s
				return warmtransfer.ErrStopWatch
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("watch the call: %w", err)
	}
	if summary == nil {
		return nil, errors.New("the watch ended before the summary stated a reason")
	}
	return summary, nil
}

// searchHistory asks the customer's history about the problem until it answers: the index is
// eventually consistent, a turn being indexed once the segments after it settle it.
func searchHistory(ctx context.Context, client *warmtransfer.Client, customerID string) ([]*warmtransferv1.ContextSnippet, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		found, err := client.Context.SearchContext(ctx, &warmtransferv1.SearchContextRequest{
			Query:      historyQuery,
			CustomerId: customerID,
			Limit:      3,
		})
		if err != nil {
			return nil, fmt.Errorf("search the history: %w", err)
		}
		if len(found.GetSnippets()) > 0 {
			return found.GetSnippets(), nil
		}
		if time.Now().After(deadline) {
			return nil, errors.New("search the history: nothing indexed after 60 s")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func who(role warmtransferv1.SpeakerRole) string {
	switch role {
	case caller:
		return "caller"
	case agent:
		return "agent"
	}
	return strings.ToLower(strings.TrimPrefix(role.String(), "SPEAKER_ROLE_"))
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
