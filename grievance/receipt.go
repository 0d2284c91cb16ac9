package grievance

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// A receipt code has 96 random bits, written in 20 characters of
// Crockford-like base32 in groups of four: enough that guessing one is
// hopeless even without the rate limit, short enough to copy by hand.
// Only its SHA-256 is stored, so a database copy cannot be used to follow
// or add to anyone's grievance; with this entropy a slow hash adds nothing.
const receiptChars = 20

// receiptEncoding leaves out I, L, O and U, which people misread.
var receiptEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// NewReceiptCode returns a fresh receipt code and its stored hash.
func NewReceiptCode() (code, hash string) {
	b := make([]byte, receiptChars*5/8)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	raw := receiptEncoding.EncodeToString(b)
	var sb strings.Builder
	for i := 0; i < len(raw); i += 4 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(raw[i:min(i+4, len(raw))])
	}
	code = sb.String()
	return code, ReceiptHash(code)
}

// NormalizeReceipt reads a code as people type it: any case, with or
// without dashes and spaces, O for 0 and I or L for 1.
func NormalizeReceipt(code string) string {
	var sb strings.Builder
	for _, r := range strings.ToUpper(code) {
		switch {
		case r == 'O':
			sb.WriteByte('0')
		case r == 'I' || r == 'L':
			sb.WriteByte('1')
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// ReceiptHash is the stored form of a receipt code.
func ReceiptHash(code string) string {
	sum := sha256.Sum256([]byte("vigil-grievance-receipt-v1\n" + NormalizeReceipt(code)))
	return hex.EncodeToString(sum[:])
}
