package encryption

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt/jws"
)

// rsaSelfTest proves the key does what Spacelift's RSA mode does with it:
// wrap a random AES-256 key (RSA-OAEP-SHA256; Spacelift's padding is
// unconfirmed, so this proves the key, not the padding), use that AES key
// with AES-256-GCM, and sign and verify an RS256 JWT. It returns the step
// that failed.
func rsaSelfTest(key *rsa.PrivateKey, now time.Time) (step string, err error) {
	aesKey := make([]byte, 32)
	if _, err := rand.Read(aesKey); err != nil {
		return "random AES key", err
	}
	defer clear(aesKey)
	wrapped, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &key.PublicKey, aesKey, nil)
	if err != nil {
		return "RSA-OAEP wrap of an AES-256 key", err
	}
	unwrapped, err := rsa.DecryptOAEP(sha256.New(), rand.Reader, key, wrapped, nil)
	if err != nil {
		return "RSA-OAEP unwrap of an AES-256 key", err
	}
	defer clear(unwrapped)
	if !bytes.Equal(unwrapped, aesKey) {
		return "RSA-OAEP unwrap of an AES-256 key", errors.New("unwrapped key differs")
	}

	block, err := aes.NewCipher(unwrapped)
	if err != nil {
		return "AES-256-GCM", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "AES-256-GCM", err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	plain := []byte("spacectl-preflight AES-256-GCM self-test")
	sealed := gcm.Seal(nil, nonce, plain, []byte("aad"))
	opened, err := gcm.Open(nil, nonce, sealed, []byte("aad"))
	if err != nil || !bytes.Equal(opened, plain) {
		return "AES-256-GCM encrypt/decrypt", fmt.Errorf("round trip failed: %v", err)
	}

	input := jws.SigningInput(jws.RS256, now, rand.Text())
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, jws.Digest(input))
	if err != nil {
		return "RS256 sign", err
	}
	if err := jws.Verify(&key.PublicKey, jws.RS256, input, sig); err != nil {
		return "RS256 verify", err
	}
	return "", nil
}
