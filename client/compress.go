package client

import (
	"fmt"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
)

// applyCompression accepts the server's permessage-deflate answer, if any, into copts.
// handshake.VerifyResponse has already refused extensions that were not offered, so
// answered extensions are permessage-deflate, and only when cfg is set.
func applyCompression(copts *conn.Options, answered []handshake.Extension, cfg *deflate.Options) error {
	if len(answered) == 0 {
		return nil
	}
	if len(answered) > 1 {
		// RFC 7692 §7: the server accepts at most one permessage-deflate offer.
		return fmt.Errorf("%w: %d permessage-deflate answers", ErrCompression, len(answered))
	}
	// RFC 7692 §7.1: a client MUST fail the connection on a response it cannot accept.
	p, err := deflate.Accept(answered[0], cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCompression, err)
	}
	copts.Compression = &p
	return nil
}
