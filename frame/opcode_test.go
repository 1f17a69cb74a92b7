package frame

import "testing"

func TestOpcode(t *testing.T) {
	cases := []struct {
		op                      Opcode
		control, data, reserved bool
		name                    string
	}{
		{OpContinuation, false, true, false, "continuation"},
		{OpText, false, true, false, "text"},
		{OpBinary, false, true, false, "binary"},
		{0x3, false, true, true, "reserved(0x3)"},
		{0x4, false, true, true, "reserved(0x4)"},
		{0x5, false, true, true, "reserved(0x5)"},
		{0x6, false, true, true, "reserved(0x6)"},
		{0x7, false, true, true, "reserved(0x7)"},
		{OpClose, true, false, false, "close"},
		{OpPing, true, false, false, "ping"},
		{OpPong, true, false, false, "pong"},
		{0xB, true, false, true, "reserved(0xb)"},
		{0xC, true, false, true, "reserved(0xc)"},
		{0xD, true, false, true, "reserved(0xd)"},
		{0xE, true, false, true, "reserved(0xe)"},
		{0xF, true, false, true, "reserved(0xf)"},
	}
	if len(cases) != 16 {
		t.Fatalf("table covers %d of 16 opcodes", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.op.IsControl(); got != tc.control {
				t.Errorf("IsControl = %v, want %v (§5.5)", got, tc.control)
			}
			if got := tc.op.IsData(); got != tc.data {
				t.Errorf("IsData = %v, want %v (§5.6)", got, tc.data)
			}
			if got := tc.op.IsReserved(); got != tc.reserved {
				t.Errorf("IsReserved = %v, want %v (§5.2)", got, tc.reserved)
			}
			if got := tc.op.String(); got != tc.name {
				t.Errorf("String = %q, want %q", got, tc.name)
			}
		})
	}
	if !Opcode(0x10).IsReserved() {
		t.Error("an opcode wider than 4 bits must be reserved")
	}
}

func TestRoleString(t *testing.T) {
	cases := []struct {
		r    Role
		want string
	}{{Server, "server"}, {Client, "client"}, {Role(7), "role(7)"}}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.r.String(); got != tc.want {
				t.Fatalf("String = %q, want %q", got, tc.want)
			}
		})
	}
	if Role(0) != Server {
		t.Fatal("the zero Role must be Server (documented)")
	}
}
