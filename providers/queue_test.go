package providers_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

func TestMessageHeadersRoundTrip(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	for _, tc := range []struct {
		name string
		in   providers.Message
		want providers.Message
	}{
		{name: "everything",
			in: providers.Message{ID: "sqs-1", Body: []byte("b"), GroupID: "g", DedupID: "d", SentAt: sent,
				Attributes: map[string]providers.MessageAttribute{
					"s": {Type: "String", String: "x"}, "n": {Type: "Number.int", String: "7"}, "bin": {Type: "Binary", Binary: []byte{0, 255}}}},
			want: providers.Message{OriginID: "sqs-1", Body: []byte("b"), GroupID: "g", DedupID: "d", SentAt: sent,
				Attributes: map[string]providers.MessageAttribute{
					"s": {Type: "String", String: "x"}, "n": {Type: "Number.int", String: "7"}, "bin": {Type: "Binary", Binary: []byte{0, 255}}}}},
		{name: "moved twice keeps the first origin",
			in:   providers.Message{ID: "delivery-9", OriginID: "sqs-1", Body: []byte("b")},
			want: providers.Message{OriginID: "sqs-1", Body: []byte("b")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := providers.MessageFromHeaders(tc.in.Body, providers.MessageHeaders(tc.in))
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("round trip (-want +got):\n%s", d)
			}
		})
	}
	// Headers of other publishers are attributes of their names.
	got := providers.MessageFromHeaders(nil, map[string]string{"team": "shop"})
	if d := cmp.Diff(providers.MessageAttribute{Type: "String", String: "shop"}, got.Attributes["team"]); d != "" {
		t.Errorf("a foreign header: %+v", got.Attributes)
	}
}
