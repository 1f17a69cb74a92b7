package autobahn

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The byte-exact examples of RFC 6455 §5.7.
func TestEncodeFrameRFCExamples(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	tests := []struct {
		name    string
		fin     bool
		op      byte
		payload []byte
		masked  bool
		want    string // hex of the header and the first payload octets
	}{
		{"unmasked text Hello", true, opText, []byte("Hello"), false, "810548656c6c6f"},
		{"masked text Hello", true, opText, []byte("Hello"), true, "818537fa213d7f9f4d5158"},
		{"fragment Hel", false, opText, []byte("Hel"), false, "010348656c"},
		{"unmasked ping Hello", true, opPing, []byte("Hello"), false, "890548656c6c6f"},
		{"256 bytes binary", true, opBinary, make([]byte, 256), false, "827e0100"},
		{"64 KiB binary", true, opBinary, make([]byte, 65536), false, "827f0000000000010000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := encodeFrame(nil, tt.fin, 0, tt.op, tt.payload, tt.masked, key)
			want, _ := hex.DecodeString(tt.want)
			if !bytes.HasPrefix(got, want) {
				t.Fatalf("encodeFrame = %x..., want prefix %x", got[:min(len(got), 16)], want)
			}
			f, err := readFrame(bufio.NewReader(bytes.NewReader(got)), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if f.fin != tt.fin || f.op != tt.op || f.masked != tt.masked || !bytes.Equal(f.payload, tt.payload) {
				t.Errorf("round trip: fin=%v op=%d masked=%v payload %d octets", f.fin, f.op, f.masked, len(f.payload))
			}
		})
	}
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int64
		want  error
	}{
		{"length MSB set", "827fffffffffffffffff", 1 << 20, errLengthMSB},
		{"over the limit", "827e0100", 255, errFrameTooLong},
		{"truncated payload", "8105414243", 1 << 20, errors.New("unexpected EOF")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.in)
			_, err := readFrame(bufio.NewReader(bytes.NewReader(b)), tt.limit)
			if err == nil || err.Error() != tt.want.Error() {
				t.Errorf("readFrame error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMaskBytesChunked(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	whole := []byte("a payload masked in one go and in pieces")
	pieces := append([]byte(nil), whole...)
	maskBytes(whole, key, 0)
	pos := 0
	for _, n := range []int{3, 1, 7, 0, 29} {
		maskBytes(pieces[pos:pos+n], key, pos)
		pos += n
	}
	if diff := cmp.Diff(whole, pieces); diff != "" {
		t.Errorf("chunked masking differs (-whole +pieces):\n%s", diff)
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		name             string
		include, exclude []string
		wantFirst        string
		wantN            int
	}{
		{"everything", []string{"*"}, nil, "1.1.1", 517},
		{"one case", []string{"6.4.1"}, nil, "6.4.1", 1},
		{"section", []string{"2.*"}, nil, "2.1", 11},
		{"section minus one", []string{"2.*"}, []string{"2.1*"}, "2.2", 8},
		{"suite order", []string{"9.7.*", "1.2.*"}, nil, "1.2.1", 14},
		{"exclude 9 and deflate", []string{"*"}, []string{"9.*", "12.*", "13.*"}, "1.1.1", 247},
		{"no match", []string{"99.*"}, nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(tt.include, tt.exclude)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.wantN {
				t.Fatalf("Select = %d cases, want %d", len(got), tt.wantN)
			}
			if tt.wantN > 0 && got[0].ID != tt.wantFirst {
				t.Errorf("first case %s, want %s", got[0].ID, tt.wantFirst)
			}
		})
	}
}

// TestCaseIDsUnique guards the registry: ids are unique and sections have the suite's
// case counts.
func TestCaseIDsUnique(t *testing.T) {
	seen := map[string]bool{}
	perSection := map[string]int{}
	for _, c := range Cases() {
		if seen[c.ID] {
			t.Errorf("duplicate case id %s", c.ID)
		}
		seen[c.ID] = true
		perSection[c.Section()]++
	}
	want := map[string]int{"1": 16, "2": 11, "3": 7, "4": 10, "5": 20, "6": 145, "7": 37, "9": 54, "10": 1, "12": 90, "13": 126}
	if diff := cmp.Diff(want, perSection); diff != "" {
		t.Errorf("cases per section (-suite +harness):\n%s", diff)
	}
}
