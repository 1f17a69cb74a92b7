package client

import (
	"errors"
	"fmt"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
)

// ErrCompressionUnavailable is returned by Dial when Options.Compression is set but the
// connection engine cannot yet run a compressed connection (conn.Options has no field for
// the negotiated deflate.Params). Dial then makes no offer rather than agree to something
// it cannot speak.
var ErrCompressionUnavailable = errors.New("client: permessage-deflate is not supported by package conn yet")

// compressionSupported says whether conn accepts negotiated deflate.Params.
const compressionSupported = false

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
	p, err := deflate.Accept(answered[0], cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCompression, err)
	}
	_ = p // TODO(conn): copts.Compression = &p once conn.Options has the field.
	return ErrCompressionUnavailable
}
