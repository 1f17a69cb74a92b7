package handshake

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseExtensions(t *testing.T) {
	pmd := func(params ...Param) Extension { return Extension{Name: "permessage-deflate", Params: params} }
	flag := func(n string) Param { return Param{Name: n} }
	val := func(n, v string) Param { return Param{Name: n, Value: v, HasValue: true} }
	tests := []struct {
		name   string
		values []string
		want   []Extension
	}{
		{"none", nil, nil},
		{"empty field", []string{""}, nil},
		{"only whitespace and commas (RFC 7230 §7 empty elements)", []string{" , ,\t"}, nil},
		{"bare token", []string{"permessage-deflate"}, []Extension{pmd()}},
		{"names lower-cased (case-insensitive tokens)", []string{"PerMessage-Deflate; Client_Max_Window_Bits"},
			[]Extension{pmd(flag("client_max_window_bits"))}},
		{"RFC 7692 §7.1 example offer", []string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10"},
			[]Extension{pmd(flag("client_max_window_bits"), val("server_max_window_bits", "10"))}},
		{"no spaces", []string{"permessage-deflate;client_no_context_takeover;server_max_window_bits=15"},
			[]Extension{pmd(flag("client_no_context_takeover"), val("server_max_window_bits", "15"))}},
		{"OWS and BWS (RFC 7230 §3.2.3)", []string{" permessage-deflate \t; a = 1 ;b\t=\t\"2\" "},
			[]Extension{pmd(val("a", "1"), val("b", "2"))}},
		{"quoted value unescaped (RFC 7230 §3.2.6)", []string{`x; p="a\bc"`},
			[]Extension{{Name: "x", Params: []Param{val("p", "abc")}}}},
		{"value case kept", []string{"x; p=AbC"}, []Extension{{Name: "x", Params: []Param{val("p", "AbC")}}}},
		{"list in one field", []string{"permessage-deflate; client_max_window_bits, permessage-deflate"},
			[]Extension{pmd(flag("client_max_window_bits")), pmd()}},
		{"several fields", []string{"a", "b;c=d"},
			[]Extension{{Name: "a"}, {Name: "b", Params: []Param{val("c", "d")}}}},
		{"empty elements between", []string{"a,,b,"}, []Extension{{Name: "a"}, {Name: "b"}}},
		{"all tchars", []string{"!#$%&'*+-.^_`|~09azAZ"}, []Extension{{Name: "!#$%&'*+-.^_`|~09azaz"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExtensions(tt.values)
			if err != nil {
				t.Fatalf("ParseExtensions(%q): %v", tt.values, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseExtensions(%q) mismatch (-want +got):\n%s", tt.values, diff)
			}
		})
	}
}

func TestParseExtensionsMalformed(t *testing.T) {
	tests := []struct{ name, value string }{
		{"leading semicolon", "; a"},
		{"missing param name", "a; "},
		{"double semicolon", "a;;b"},
		{"missing value", "a; b="},
		{"missing value before comma", "a; b=, c"},
		{"non-token in name", "a/b"},
		{"space inside name", "a b"},
		{"non-token value", "a; b=c/d"},
		{"unterminated quoted-string", `a; b="abc`},
		{"quoted value not a token (RFC 6455 §9.1)", `a; b="c d"`},
		{"empty quoted value is not a token (RFC 6455 §9.1)", `a; b=""`},
		{"quoted-pair at end", `a; b="c\`},
		{"control char in quoted-string", "a; b=\"c\x01\""},
		{"garbage after quoted", `a; b="c"d`},
		{"equals without param", "a=1"},
		{"NUL byte", "a\x00"},
		{"non-ASCII", "permessage-déflate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExtensions([]string{tt.value})
			if !errors.Is(err, ErrExtensionSyntax) {
				t.Fatalf("ParseExtensions(%q) = %v, %v; want ErrExtensionSyntax", tt.value, got, err)
			}
			if got != nil {
				t.Errorf("ParseExtensions(%q) returned extensions %v with an error", tt.value, got)
			}
		})
	}
}

func TestParseExtensionsBounded(t *testing.T) {
	b := []byte("a")
	for range maxExtensionElements + 1 {
		b = append(b, ";p"...)
	}
	if _, err := ParseExtensions([]string{string(b)}); !errors.Is(err, ErrExtensionSyntax) {
		t.Fatalf("over-long parameter list: err = %v, want ErrExtensionSyntax", err)
	}
}

func TestAppendExtensions(t *testing.T) {
	tests := []struct {
		name string
		exts []Extension
		want string
	}{
		{"none", nil, ""},
		{"bare", []Extension{{Name: "permessage-deflate"}}, "permessage-deflate"},
		{"params", []Extension{{Name: "permessage-deflate", Params: []Param{
			{Name: "client_max_window_bits"}, {Name: "server_max_window_bits", Value: "10", HasValue: true}}}},
			"permessage-deflate; client_max_window_bits; server_max_window_bits=10"},
		{"list", []Extension{{Name: "a"}, {Name: "b"}}, "a, b"},
		{"empty value quoted", []Extension{{Name: "a", Params: []Param{{Name: "p", HasValue: true}}}}, `a; p=""`},
		{"non-token value quoted and escaped", []Extension{{Name: "a", Params: []Param{{Name: "p", Value: `x "y"\`, HasValue: true}}}},
			`a; p="x \"y\"\\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendExtensions([]byte(nil), tt.exts))
			if got != tt.want {
				t.Errorf("AppendExtensions = %q, want %q", got, tt.want)
			}
			if len(tt.exts) == 1 {
				if s := tt.exts[0].String(); s != tt.want {
					t.Errorf("String() = %q, want %q", s, tt.want)
				}
			}
		})
	}
}

func TestExtensionsRoundTrip(t *testing.T) {
	in := "permessage-deflate; client_max_window_bits=10; server_no_context_takeover, x-foo; bar=\"baz\""
	exts, err := ParseExtensions([]string{in})
	if err != nil {
		t.Fatal(err)
	}
	out := string(AppendExtensions(nil, exts))
	again, err := ParseExtensions([]string{out})
	if err != nil {
		t.Fatalf("re-parse %q: %v", out, err)
	}
	if diff := cmp.Diff(exts, again); diff != "" {
		t.Errorf("round trip mismatch (-first +second):\n%s", diff)
	}
}

func TestParseExtensionsAllocs(t *testing.T) {
	v := []string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10"}
	// One slice of extensions and one slice of params; names are substrings of the input.
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseExtensions(v); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 3 {
		t.Errorf("ParseExtensions allocs = %v, want <= 3", allocs)
	}
}
