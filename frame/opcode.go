package frame

import "strconv"

// Opcode is the 4-bit frame type of RFC 6455 §5.2.
type Opcode uint8

// Opcodes defined by RFC 6455 §5.2 and §11.8. The rest (0x3–0x7, 0xB–0xF) are reserved.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether o is a control opcode (high bit of the nibble set, §5.5),
// reserved control opcodes included.
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// IsData reports whether o is a non-control opcode (§5.6), continuation and reserved
// non-control opcodes included.
func (o Opcode) IsData() bool { return o&0x8 == 0 }

// IsReserved reports whether o is one of the opcodes RFC 6455 reserves for future use
// (0x3–0x7 and 0xB–0xF), or does not fit in 4 bits.
func (o Opcode) IsReserved() bool {
	switch o {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return false
	}
	return true
}

// String returns the opcode's name ("text", "ping", ...), or "reserved(0x3)" for a
// reserved one.
func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "reserved(0x" + strconv.FormatUint(uint64(o), 16) + ")"
}
