package gateway

import (
	"bytes"
	"slices"
	"testing"
)

func TestPollVoteRoundTrip(t *testing.T) {
	secret := NewPollSecret()
	const poll, sender, voter = "3EB0AA", "15550001111@s.whatsapp.net", "15550002222@s.whatsapp.net"
	hashes := [][]byte{PollOptionHash("Sushi"), PollOptionHash("Pizza")}
	payload, iv, err := EncryptPollVote(secret, poll, sender, voter, hashes)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(payload, hashes[0]) {
		t.Fatal("the vote is not encrypted")
	}
	got, err := DecryptPollVote(secret, poll, sender, voter, payload, iv)
	if err != nil {
		t.Fatal(err)
	}
	if answers := PollAnswers([]string{"Pizza", "Pasta", "Sushi"}, got); !slices.Equal(answers, []string{"Pizza", "Sushi"}) {
		t.Fatalf("answers %v, want Pizza and Sushi in the poll's order", answers)
	}
	// The key binds the poll, its sender, the voter and the secret.
	for name, open := range map[string]func() ([][]byte, error){
		"another voter": func() ([][]byte, error) {
			return DecryptPollVote(secret, poll, sender, "1@s.whatsapp.net", payload, iv)
		},
		"another poll":   func() ([][]byte, error) { return DecryptPollVote(secret, "3EB0BB", sender, voter, payload, iv) },
		"another sender": func() ([][]byte, error) { return DecryptPollVote(secret, poll, voter, voter, payload, iv) },
		"another secret": func() ([][]byte, error) { return DecryptPollVote(NewPollSecret(), poll, sender, voter, payload, iv) },
		"tampered": func() ([][]byte, error) {
			bad := bytes.Clone(payload)
			bad[0] ^= 1
			return DecryptPollVote(secret, poll, sender, voter, bad, iv)
		},
	} {
		if _, err := open(); err == nil {
			t.Errorf("%s: the vote opened", name)
		}
	}
	// An empty vote (withdrawn) round-trips as no answers.
	payload, iv, _ = EncryptPollVote(secret, poll, sender, voter, nil)
	if got, err := DecryptPollVote(secret, poll, sender, voter, payload, iv); err != nil || len(got) != 0 {
		t.Fatalf("empty vote: %v, %v", got, err)
	}
}
