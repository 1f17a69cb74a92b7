package autobahn

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// RFC 7692 §7.2.3.1: "Hello" compressed is f2 48 cd c9 c9 07 00.
func TestDecompressRFCExample(t *testing.T) {
	d := newPMD(&pmdParams{outMaxBits: 15})
	got, err := d.decompress([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, 1<<20)
	if err != nil || string(got) != "Hello" {
		t.Fatalf("decompress = %q, %v; want Hello", got, err)
	}
	// §7.2.3.2: the second "Hello" with context takeover references the first.
	got, err = d.decompress([]byte{0xf2, 0x00, 0x11, 0x00, 0x00}, 1<<20)
	if err != nil || string(got) != "Hello" {
		t.Fatalf("decompress with context = %q, %v; want Hello", got, err)
	}
}

func TestCompressRoundTrip(t *testing.T) {
	msgs := [][]byte{[]byte("Hello"), []byte("Hello"), bytes.Repeat([]byte("abc"), 5000), {}, []byte("tail")}
	for _, p := range []pmdParams{
		{outMaxBits: 15},
		{outMaxBits: 15, outNoContext: true, inNoContext: true},
		{outMaxBits: 8},
	} {
		tx, rx := newPMD(&p), newPMD(&pmdParams{inNoContext: p.outNoContext})
		for i, m := range msgs {
			z, err := tx.compress(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rx.decompress(z, 1<<20)
			if err != nil {
				t.Fatalf("%+v message %d: %v", p, i, err)
			}
			if !bytes.Equal(got, m) {
				t.Fatalf("%+v message %d: got %d octets, want %d", p, i, len(got), len(m))
			}
		}
	}
}

func TestDecompressLimit(t *testing.T) {
	tx := newPMD(&pmdParams{outMaxBits: 15})
	z, err := tx.compress(make([]byte, 1<<16))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newPMD(&pmdParams{}).decompress(z, 1000); err != errInflateLimit {
		t.Errorf("decompress over the limit: %v, want errInflateLimit", err)
	}
}

func TestNegotiation(t *testing.T) {
	t.Run("offers", func(t *testing.T) {
		got := offersString([]pmdOffer{{requestNoContext: true, requestMaxBits: 8}, {}})
		want := "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=8, " +
			"permessage-deflate; client_no_context_takeover; client_max_window_bits"
		if got != want {
			t.Errorf("offersString = %q, want %q", got, want)
		}
	})
	clientTests := []struct {
		name    string
		answer  string
		offers  []pmdOffer
		want    *pmdParams
		wantErr bool
	}{
		{"none", "", []pmdOffer{{}}, nil, false},
		{"plain", "permessage-deflate", []pmdOffer{{}}, &pmdParams{outNoContext: true, outMaxBits: 15}, false},
		{"server no context", "permessage-deflate; server_no_context_takeover; client_max_window_bits=9", []pmdOffer{{}},
			&pmdParams{outNoContext: true, outMaxBits: 9, inNoContext: true}, false},
		{"ignored request", "permessage-deflate", []pmdOffer{{requestNoContext: true}}, nil, true},
		{"unknown param", "permessage-deflate; foo", []pmdOffer{{}}, nil, true},
		{"bad bits", "permessage-deflate; client_max_window_bits=7", []pmdOffer{{}}, nil, true},
		{"other extension", "x-webkit-deflate-frame", []pmdOffer{{}}, nil, true},
	}
	for _, tt := range clientTests {
		t.Run("client/"+tt.name, func(t *testing.T) {
			var ans []string
			if tt.answer != "" {
				ans = []string{tt.answer}
			}
			got, err := clientParams(ans, tt.offers)
			if (err != nil) != tt.wantErr {
				t.Fatalf("clientParams error = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(pmdParams{})); diff != "" {
				t.Errorf("clientParams (-want +got):\n%s", diff)
			}
		})
	}
	serverTests := []struct {
		name     string
		offer    string
		policies []pmdAccept
		want     string
	}{
		{"accept1", "permessage-deflate; client_max_window_bits", []pmdAccept{accept1}, "permessage-deflate"},
		{"accept2 needs client_no_context_takeover", "permessage-deflate", []pmdAccept{accept2}, ""},
		{"accept5", "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=10",
			[]pmdAccept{accept5}, "permessage-deflate; server_max_window_bits=10; client_no_context_takeover; client_max_window_bits=8"},
		{"accept7 falls back", "permessage-deflate; client_no_context_takeover", []pmdAccept{accept5, accept2, accept1},
			"permessage-deflate; client_no_context_takeover"},
		{"no deflate", "x-foo", []pmdAccept{accept1}, ""},
	}
	for _, tt := range serverTests {
		t.Run("server/"+tt.name, func(t *testing.T) {
			got, _ := serverAnswer([]string{tt.offer}, tt.policies)
			if got != tt.want {
				t.Errorf("serverAnswer = %q, want %q", got, tt.want)
			}
		})
	}
}
