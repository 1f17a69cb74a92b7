package frame

import "strconv"

// Role is the role of an endpoint. In Header.Validate it is the role of the endpoint
// that receives the frame, which decides the masking rule of §5.1.
type Role uint8

// Roles. The zero value is Server.
const (
	Server Role = iota // accepts connections; receives masked frames, sends unmasked
	Client             // opens connections; receives unmasked frames, sends masked
)

// String returns "server", "client" or "role(N)".
func (r Role) String() string {
	switch r {
	case Server:
		return "server"
	case Client:
		return "client"
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}
